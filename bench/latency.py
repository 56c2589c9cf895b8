"""Warm per-question latency of Engine.ask against its floor, the bare model encoding one question.

Both run on the same SentenceTransformer instance, in one process, over the dev
questions repeated ROUNDS times. Each question is timed both ways back to back,
alternating which goes first, so both see the same conditions (caches, clock,
other load). The ratio says what retrieval and answer composition add on top
of the one model call a question cannot avoid.

    .venv/bin/python bench/latency.py
"""

from __future__ import annotations

import os
import time

from common import bare_model, dev_questions, fresh_index, load, pct

ROUNDS = 10
# This script measures the sentence-transformers (torch) path against its own floor; the default
# ONNX path is measured by bench/serve_cold_start.py and bench/onnx_speed.py.
os.environ.setdefault("FAQRAG_EMBEDDER", "torch")


def main() -> None:
    print(f"start: {load()}")
    from faqrag.engine import Engine

    index, _ = fresh_index()
    engine = Engine.open(index)
    model = bare_model()
    questions = [q["question"] for q in dev_questions()]
    for q in questions[:10]:  # warm both paths
        engine.ask(q)
        model.encode([q])

    ask_ms, floor_ms = [], []
    for r in range(ROUNDS):
        for i, q in enumerate(questions):
            order = ("ask", "floor") if (r + i) % 2 == 0 else ("floor", "ask")
            for which in order:
                t0 = time.perf_counter()
                engine.ask(q) if which == "ask" else model.encode([q])
                (ask_ms if which == "ask" else floor_ms).append((time.perf_counter() - t0) * 1000)

    print(f"{len(questions)} dev questions x {ROUNDS} rounds, warm, interleaved")
    print(f"{'':24}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}")
    for name, xs in (("Engine.ask", ask_ms), ("model.encode([q]) floor", floor_ms)):
        print(f"{name:24}{pct(xs, 50):9.2f}{pct(xs, 95):9.2f}{sum(xs) / len(xs):9.2f}")
    p50, p95 = pct(ask_ms, 50) / pct(floor_ms, 50), pct(ask_ms, 95) / pct(floor_ms, 95)
    print(f"ratio ask/floor: p50 {p50:.2f}x, p95 {p95:.2f}x (target <= 1.3x)")
    print(f"end: {load()}")


if __name__ == "__main__":
    main()
