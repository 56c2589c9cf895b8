"""What the benchmarks share: paths, the dev questions, a fresh index, percentiles."""

from __future__ import annotations

import atexit
import json
import math
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the hub from a benchmark
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
DEV = REPO / "eval" / "dev.jsonl"


def dev_questions() -> list[dict]:
    return [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]


def fresh_index(corpus: Path = CORPUS, embedder=None):
    """Build the corpus into a temporary folder (so no stale ./index is measured); returns (path, summary)."""
    from faqrag.embedding import SentenceTransformerEmbedder
    from faqrag.store import build_index

    index = scratch() / "index"
    return index, build_index(corpus, index, embedder or SentenceTransformerEmbedder())


def scratch() -> Path:
    """A temporary folder removed when the benchmark exits."""
    folder = Path(tempfile.mkdtemp(prefix="faqrag-bench-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def bare_model():
    """The SentenceTransformer the engine uses (one per process, shared)."""
    from faqrag.embedding import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()._model()  # the same cached instance the engine encodes with


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(p / 100 * len(s)) - 1))]


def load() -> str:
    """The 1-minute load average, printed with results: other work on the machine skews timings."""
    return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
