"""The answering engine: one object that the CLI, the page and evaluation share."""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

from .answer import GAP_HITS, Response, compose, confidence_features, prefer_faq_match
from .answer_type import expected_types
from .embedding import Embedder, default_embedder
from .errors import QuestionError
from .retrieve import Retriever
from .settings import Settings
from .store import StoredIndex, check_model, load_index, read_manifest, stale_files

MIN_HITS = GAP_HITS  # hits searched for at least, so confidence sees as many as it compares


def check_question(question: str, settings: Settings) -> str:
    """The question, stripped, or a QuestionError saying what to change."""
    visible = "".join(ch for ch in question if unicodedata.category(ch) != "Cf") if isinstance(question, str) else ""
    if not visible.strip():  # zero-width characters alone are still an empty question
        raise QuestionError("the question is empty; type a question")
    q = question.strip()
    if len(q) > settings.max_question_chars:
        raise QuestionError(
            f"the question is {len(q):,} characters long; the limit is {settings.max_question_chars:,}, shorten it"
        )
    bad = next((ch for ch in q if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r"), None)
    if bad is not None:
        raise QuestionError(f"the question contains a control character (U+{ord(bad):04X}); remove it")
    # A lone surrogate (a JSON "\ud800", or bytes that were not UTF-8) is no character at all;
    # tokenizers and JSON output both refuse it later, so refuse it here with a message.
    bad = next((ch for ch in q if unicodedata.category(ch) == "Cs"), None)
    if bad is not None:
        raise QuestionError(f"the question contains an invalid character (U+{ord(bad):04X}); check its encoding")
    return " ".join(q.split())


class Engine:
    def __init__(self, stored: StoredIndex, embedder: Embedder, settings: Settings | None = None):
        check_model(stored, embedder)
        self.stored = stored
        self.embedder = embedder
        self.settings = settings or Settings()
        self.retriever = Retriever(stored, self.settings)

    @classmethod
    def open(
        cls,
        index_dir: Path,
        *,
        model: str | None = None,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
    ) -> Engine:
        """Load an index and the model it was built with (or ``model``, which must match)."""
        if embedder is None:
            embedder = default_embedder(model or read_manifest(index_dir)["model"]["id"])
            preload = getattr(embedder, "preload", None)
            if preload:  # the model loads in a thread while this one loads the index
                preload()
        return cls(load_index(index_dir), embedder, settings)

    def warm_up(self) -> None:
        """Load the model now rather than inside the first question's timing."""
        self.embedder.encode(["warm up"])

    def stale_files(self, corpus_dir: Path | None = None) -> list[str]:
        return stale_files(self.stored.manifest, corpus_dir)

    def ask(self, question: str, k: int = 5) -> Response:
        q = check_question(question, self.settings)
        t0 = time.perf_counter()
        qvec = self.embedder.encode([q])[0]
        return self._answer(q, qvec, k, (time.perf_counter() - t0) * 1000)

    def answer_vector(self, question: str, qvec, k: int = 5, embed_ms: float = 0.0) -> Response:
        """Answer a question checked by ``check_question`` whose vector was made
        elsewhere (the server embeds concurrent questions together)."""
        return self._answer(question, qvec, k, embed_ms)

    def ask_many(
        self,
        questions: Sequence[str],
        k: int = 5,
        *,
        batch_size: int = 32,
        on_batch: Callable[[int], None] | None = None,
    ) -> list[Response]:
        """Answer many questions, embedding them in batches."""
        qs = [check_question(q, self.settings) for q in questions]
        out: list[Response] = []
        for i in range(0, len(qs), batch_size):
            batch = qs[i : i + batch_size]
            t0 = time.perf_counter()
            vecs = self.embedder.encode(batch, batch_size=batch_size)
            per = (time.perf_counter() - t0) * 1000 / len(batch)
            out.extend(self._answer(q, v, k, per) for q, v in zip(batch, vecs))
            if on_batch:
                on_batch(len(batch))
        return out

    def confidence_features(self, q: str, qvec) -> tuple[float, ...]:
        """What confidence is computed from for this question, as ask sees it
        (settings.CONFIDENCE_FEATURES); for tuning and tests."""
        terms = self.retriever.lexical.terms(q)
        hits = self.retriever.search(qvec, terms, MIN_HITS, expected_types(q))
        return confidence_features(prefer_faq_match(hits, self.settings), terms, self.retriever.lexical.chunk_terms)

    def _answer(self, q: str, qvec, k: int, embed_ms: float) -> Response:
        t1 = time.perf_counter()
        terms = self.retriever.lexical.terms(q)
        types = expected_types(q)
        hits = self.retriever.search(qvec, terms, max(k, MIN_HITS), types)
        t2 = time.perf_counter()
        resp = compose(q, hits, qvec, terms, self.retriever, self.settings, k, types)
        t3 = time.perf_counter()
        resp.timings_ms.update(
            embed=round(embed_ms, 2),
            search=round((t2 - t1) * 1000, 2),
            compose=round((t3 - t2) * 1000, 2),
            total=round(embed_ms + (t3 - t1) * 1000, 2),
        )
        return resp
