"""What the benchmarks share: paths, the dev questions, a fresh index, percentiles."""

from __future__ import annotations

import atexit
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
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
    from faqrag.index.build import build_index
    from faqrag.models.torch_embedder import SentenceTransformerEmbedder

    index = scratch() / "index"
    return index, build_index(corpus, index, embedder or SentenceTransformerEmbedder())


def scratch() -> Path:
    """A temporary folder removed when the benchmark exits."""
    folder = Path(tempfile.mkdtemp(prefix="faqrag-bench-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def bare_model():
    """The SentenceTransformer the engine uses (one per process, shared)."""
    from faqrag.models.torch_embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()._model()  # the same cached instance the engine encodes with


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(p / 100 * len(s)) - 1))]


def load() -> str:
    """The 1-minute load average, printed with results: other work on the machine skews timings."""
    return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one child process."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status):
        sys.exit(f"{cmd[:3]} failed: {p.stderr.read().decode()[-500:]}")
    return wall, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def cold_runs(floor: list[str], faqrag: list[str], runs: int) -> tuple[float, float, float]:
    """Run the floor and faqrag processes alternately, ``runs`` times each after one
    discarded pair (it only warms the page cache); print a table and return the
    wall ratio, the peak-RSS ratio and faqrag's peak RSS in MB.

    faqrag's modules are byte-compiled first, as an installed package's are and as
    the floor's numpy and onnxruntime are: under PYTHONDONTWRITEBYTECODE (or a
    read-only checkout) every faqrag child would otherwise compile them from source,
    tens of milliseconds that no user's second run pays."""
    import compileall

    compileall.compile_dir(str(REPO / "src"), quiet=1)
    got: dict[str, list[tuple[float, float]]] = {"faqrag ask": [], "floor": []}
    for i in range(runs + 1):
        for name, cmd in (("floor", floor), ("faqrag ask", faqrag)):
            result = timed(cmd)
            if i:
                got[name].append(result)
    print(f"{'':12}{'median s':>10}{'min s':>8}{'max s':>8}{'peak RSS MB':>13}")
    for name, rs in got.items():
        walls = [w for w, _ in rs]
        print(
            f"{name:12}{statistics.median(walls):10.2f}{min(walls):8.2f}{max(walls):8.2f}{max(m for _, m in rs):13.0f}"
        )
    f, c = got["floor"], got["faqrag ask"]
    wall = statistics.median(w for w, _ in c) / statistics.median(w for w, _ in f)
    peak = max(m for _, m in c)
    return wall, peak / max(m for _, m in f), peak
