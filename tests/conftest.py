"""Shared fixtures: a deterministic fake embedder and a small guide written here.

Unit tests never load the real model: ``FakeEmbedder`` hashes the lexical
tokens of a text into a small vector, so texts that share words are near each
other and results are the same on every run and machine.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from faqrag.text import tokenize

GUIDE = """\
Acme Widgets Help Centre

Getting Started

Acme widgets ship with a quick-start card. Plug the widget into a wall socket and wait for the green light. The first charge takes about two hours.

Step 1: Unpack the Box

Check that the box holds the following:

- The widget
- A charging cable
- The quick-start card

Step 2: Register Your Widget

Visit https://acme.example/register and enter the serial number printed under the base. Registration unlocks the two-year warranty.

Contact Directory

Our support lines are listed by region below.

Northern Region

Riverton: 555-0101
Lakeside: 555-0102
Hours: Mon-Fri 8 a.m.-4 p.m. local time
Languages: English, Welsh

Southern Region

Bayview: 555-0201
Hillcrest: 555-0202
Hours: Mon-Sat 10 a.m.-6 p.m. local time
Languages: English, Cornish

FAQs

How do I reset my widget?

Hold the power button for ten seconds until the light blinks blue. Your settings are kept.

Can I return a widget after 30 days?

Returns are accepted within 30 days of purchase only. After that, the warranty covers repairs instead.
"""


class FakeEmbedder:
    """Hashed bag of stemmed words: deterministic, tiny, and lexically meaningful."""

    def __init__(self, dim: int = 64, model_id: str = "fake-hash-64"):
        self.dim = dim
        self.model_id = model_id
        self.calls: list[int] = []  # texts per encode() call, for incremental-build tests

    def fingerprint(self) -> str:
        return f"{self.model_id}-v1"

    def dimension(self) -> int:
        return self.dim

    def encode(self, texts, *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for tok in tokenize(text) or ["<empty>"]:
                h = int.from_bytes(hashlib.blake2b(tok.encode(), digest_size=4).digest(), "little")
                out[row, h % self.dim] += 1.0 if (h >> 16) & 1 else -1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
        return out


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def guide_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "acme-help.txt").write_text(GUIDE, encoding="utf-8")
    return corpus


@pytest.fixture
def use_fake_model(monkeypatch, fake_embedder):
    """Make every place that would load the real model get the fake one."""
    import faqrag.models.choose
    import faqrag.models.torch_embedder

    def factory(model=None, **_kw):
        # Any other name stands for another model, so mismatches can be tested.
        return fake_embedder if model in (None, fake_embedder.model_id) else FakeEmbedder(model_id=model)

    monkeypatch.setattr(faqrag.models.torch_embedder, "SentenceTransformerEmbedder", factory)
    monkeypatch.setattr(faqrag.models.choose, "default_embedder", factory)
    return fake_embedder


REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def real_index(tmp_path_factory) -> Path:
    """The repo's guide indexed with the real model, once per session, for the
    integration, page and browser tests."""
    from faqrag.index.build import build_index
    from faqrag.models.torch_embedder import SentenceTransformerEmbedder

    index = tmp_path_factory.getbasetemp() / "real-guide-index"
    if not (index / "manifest.json").exists():
        summary = build_index(REPO / "corpus", index, SentenceTransformerEmbedder())
        assert summary.chunks > 50 and 0 < summary.embedded <= summary.views  # equal view texts: embedded once
    return index


@pytest.fixture
def built_index(tmp_path: Path, guide_corpus: Path, fake_embedder) -> Path:
    from faqrag.index.build import build_index

    index = tmp_path / "index"
    build_index(guide_corpus, index, fake_embedder)
    return index
