"""The three question embedders side by side: sentence-transformers (torch), ONNX
Runtime, and ONNX Runtime with int8 dynamic quantisation.

Per embedder: the time to load it and encode a first question (in this process,
so imports already paid by an earlier embedder are not counted again; torch runs
first and pays the most), warm single-question encode p50 over the dev questions,
batched encoding throughput (batches of 32), and the lowest and mean cosine of its
vectors against sentence-transformers' on every chunk view of the corpus. Quality
on the labelled sets comes from `faqrag eval` run with FAQRAG_EMBEDDER set to
torch, onnx and onnx-int8 (see bench/RESULTS.md).

    .venv/bin/python bench/onnx_speed.py
"""

from __future__ import annotations

import time

from common import dev_questions, fresh_index, load, pct

ROUNDS = 3


def main() -> None:
    print(f"start: {load()}")
    from faqrag.index.store import load_index
    from faqrag.models.onnx_embedder import OnnxEmbedder
    from faqrag.models.torch_embedder import SentenceTransformerEmbedder

    questions = [q["question"] for q in dev_questions()]
    rows = []
    reference = None
    texts: list[str] = []
    for name, make in (
        ("torch", SentenceTransformerEmbedder),
        ("onnx", OnnxEmbedder),
        ("onnx-int8", lambda: OnnxEmbedder(quantised=True)),
    ):
        t0 = time.perf_counter()
        emb = make()
        emb.encode([questions[0]])
        first = time.perf_counter() - t0
        if reference is None:
            index, _ = fresh_index(embedder=emb)
            stored = load_index(index)
            texts = [text for c in stored.chunks for text, _ in c.views]
            reference = stored.vectors
        single = []
        for _ in range(ROUNDS):
            for q in questions:
                t1 = time.perf_counter()
                emb.encode([q])
                single.append((time.perf_counter() - t1) * 1000)
        batch = (questions * 8)[:320]
        t1 = time.perf_counter()
        emb.encode(batch, batch_size=32)
        qps = len(batch) / (time.perf_counter() - t1)
        cos = (emb.encode(texts, batch_size=32) * reference).sum(axis=1)
        rows.append((name, first, pct(single, 50), pct(single, 95), qps, cos.min(), cos.mean()))

    print(f"{len(questions)} dev questions x {ROUNDS}; {len(texts)} corpus views for the cosines")
    print(f"{'':11}{'load+1st s':>11}{'p50 ms':>8}{'p95 ms':>8}{'batch q/s':>11}{'min cos':>9}{'mean cos':>10}")
    for name, first, p50, p95, qps, cmin, cmean in rows:
        print(f"{name:11}{first:11.2f}{p50:8.2f}{p95:8.2f}{qps:11.1f}{cmin:9.4f}{cmean:10.5f}")
    print(f"end: {load()}")


if __name__ == "__main__":
    main()
