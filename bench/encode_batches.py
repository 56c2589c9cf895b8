"""What one question costs the ONNX model by batch size and order.

The load benchmark's floor encodes length-sorted batches of 32; a server
encodes what arrives together, in arrival order and in smaller batches. This
prints the model's CPU per question for the dev questions (x8, shuffled) in
batches of 4, 8, 16 and 32, and for one length-sorted `encode` call with
batches of 32, so the gap between the two is a measured figure.

    .venv/bin/python bench/encode_batches.py
"""

from __future__ import annotations

import random
import time

from common import dev_questions, load

from faqrag.models.choose import default_embedder


def main() -> None:
    print(f"start: {load()}")
    questions = [q["question"] for q in dev_questions()] * 8
    model = default_embedder()
    model.encode(questions[:32])  # load and warm
    shuffled = questions[:]
    random.Random(1).shuffle(shuffled)

    def cost(run) -> tuple[float, float]:
        cpu, wall = time.process_time(), time.perf_counter()
        run()
        return (time.process_time() - cpu) * 1000 / len(questions), len(questions) / (time.perf_counter() - wall)

    def in_batches_of(size: int) -> None:
        for i in range(0, len(shuffled), size):
            model.encode(shuffled[i : i + size], batch_size=size)

    for size in (4, 8, 16, 32):
        ms, qps = cost(lambda size=size: in_batches_of(size))
        print(f"arrival order, batches of {size:2d}: {ms:.2f} ms of CPU a question, {qps:5.0f} q/s")
    ms, qps = cost(lambda: model.encode(questions, batch_size=32))
    print(f"one call, length-sorted batches of 32: {ms:.2f} ms of CPU a question, {qps:5.0f} q/s")
    print(f"end: {load()}")


if __name__ == "__main__":
    main()
