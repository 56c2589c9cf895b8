"""Throughput of `eval` and of index builds, each against bare batched encoding of the same texts.

1. eval: Engine.ask_many over the dev questions x REPEAT against model.encode
   of the same questions in the same batches (32), interleaved, best of 3.
2. build, the guide: build_index into an empty folder against model.encode of
   the same distinct view texts (batches of 64), interleaved, best of 2.
3. build, a synthetic guide (bench/synthetic.py): with the real model at
   SMALL chunks, measured (best of 2, interleaved); at 100,000 chunks the non-embedding work (parse,
   chunk, FAISS, write) is measured with a near-free fake embedder, and the
   embedding part is EXTRAPOLATED linearly from the SMALL run's seconds per view
   (embedding 300k views on 2 cores would take over an hour).
4. incremental rebuild: copy the corpus, build, edit one paragraph, rebuild.

    .venv/bin/python bench/throughput.py
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
from common import CORPUS, bare_model, dev_questions, fresh_index, load, scratch
from synthetic import write_corpus

REPEAT = 10
SMALL = 1_200  # chunks embedded for real (6 chunks per synthetic section)
LARGE = 100_000


class FastEmbedder:
    """Random unit vectors of MiniLM's size: the build without the model's cost."""

    model_id, dim = "fast-fake-384", 384

    def __init__(self):
        self.seconds = 0.0

    def fingerprint(self):
        return "fast-fake"

    def dimension(self):
        return self.dim

    def encode(self, texts, *, batch_size=64, progress=False):
        t0 = time.perf_counter()
        v = np.random.default_rng(len(texts)).standard_normal((len(texts), self.dim), dtype=np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        self.seconds += time.perf_counter() - t0
        return v


def view_texts(index: Path) -> list[str]:
    with (index / "chunks.jsonl").open(encoding="utf-8") as fh:
        return sorted({v[0] for line in fh for v in json.loads(line)["views"]})


def clock(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    from faqrag.engine import Engine
    from faqrag.models.torch_embedder import SentenceTransformerEmbedder

    print(f"start: {load()}")
    embedder, model = SentenceTransformerEmbedder(), bare_model()
    index, _ = fresh_index(embedder=embedder)
    engine = Engine.open(index, embedder=embedder)
    qs = [q["question"] for q in dev_questions()] * REPEAT
    engine.ask_many(qs[:64])
    ask, enc = [], []
    for _ in range(3):
        ask.append(clock(lambda: engine.ask_many(qs, k=5)))
        enc.append(clock(lambda: model.encode(qs, batch_size=32)))
    print(f"1. eval, {len(qs)} questions (dev x {REPEAT}), best of 3")
    print(f"   Engine.ask_many   {len(qs) / min(ask):8.1f} q/s   {1000 * min(ask) / len(qs):.1f} ms a question")
    print(f"   model.encode      {len(qs) / min(enc):8.1f} q/s   ratio {min(ask) / min(enc):.2f}x time")

    texts = view_texts(index)
    build, enc = [], []
    for _ in range(3):
        build.append(fresh_index(embedder=embedder)[1].seconds)
        enc.append(clock(lambda: model.encode(texts, batch_size=64)))
    s = fresh_index(embedder=FastEmbedder())[1]
    print(f"2. build, the guide: {s.chunks} chunks, {s.views} views ({len(texts)} distinct), best of 3")
    print(f"   build_index       {min(build):8.2f} s  {s.chunks / min(build):8.1f} chunks/s")
    print(f"   model.encode      {min(enc):8.2f} s  ratio {min(build) / min(enc):.2f}x")

    tmp = scratch()
    small = write_corpus(tmp / "small", SMALL // 6)
    builds, enc, texts = [], [], []
    for _ in range(2):
        ix, s = fresh_index(small, embedder)
        builds.append(s)
        texts = texts or view_texts(ix)
        enc.append(clock(lambda: model.encode(texts, batch_size=64)))  # noqa: B023 - called at once
    s, small_enc = min(builds, key=lambda b: b.seconds), min(enc)
    fake = FastEmbedder()
    small_rest = fresh_index(small, fake)[1].seconds - fake.seconds
    emb_per_view = (s.seconds - small_rest) / s.embedded
    print(f"3. build, synthetic guide, {s.chunks} chunks, {s.views} views: measured")
    print(f"   build_index       {s.seconds:8.2f} s  {s.chunks / s.seconds:8.1f} chunks/s", end="")
    print(f"  (not embedding: {small_rest:.2f} s)")
    print(f"   model.encode      {small_enc:8.2f} s  ratio {s.seconds / small_enc:.2f}x")

    large = write_corpus(tmp / "large", LARGE // 6)
    fake = FastEmbedder()
    ix, s = fresh_index(large, fake)
    rest = s.seconds - fake.seconds
    est_build = rest + emb_per_view * s.embedded
    est_enc = small_enc / len(texts) * s.embedded
    print(
        f"   at {s.chunks} chunks, {s.views} views: parse+chunk+FAISS+write measured {rest:.1f} s "
        f"({s.chunks / rest:,.0f} chunks/s)"
    )
    print(
        f"   EXTRAPOLATED      build {est_build / 60:.1f} min vs model.encode {est_enc / 60:.1f} min, "
        f"ratio {est_build / est_enc:.2f}x"
    )

    corpus = tmp / "corpus"
    shutil.copytree(CORPUS, corpus)
    ix, full = fresh_index(corpus, embedder)
    guide = next(corpus.glob("*.txt"))
    text = guide.read_text(encoding="utf-8")
    para = next(line for line in text.splitlines() if len(line) > 300)  # the first long paragraph
    guide.write_text(text.replace(para, para + " This sentence was added.", 1), encoding="utf-8")
    from faqrag.index.build import build_index

    again = build_index(corpus, ix, embedder)
    print("4. incremental rebuild after editing one paragraph of the guide")
    print(f"   full build        {full.seconds:8.2f} s  {full.embedded} of {full.views} views embedded")
    print(f"   rebuild           {again.seconds:8.2f} s  {again.embedded} of {again.views} views embedded")
    print(f"end: {load()}")


if __name__ == "__main__":
    main()
