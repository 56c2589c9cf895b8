"""The answering engine: one object that the CLI, the page and evaluation share."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from faqrag.answer import handoff as handoffs
from faqrag.answer.arrange import arrange
from faqrag.answer.compose import compose
from faqrag.answer.confidence import GAP_HITS, confidence_features
from faqrag.answer.framing import page_url, question_answered
from faqrag.answer.records import Handoff, Response
from faqrag.answer.support import Content, weak_support
from faqrag.index.build import stale_files
from faqrag.index.model import for_index
from faqrag.index.store import StoredIndex, check_model, load_index
from faqrag.limits import check_question
from faqrag.models.embedder import Embedder
from faqrag.records import Chunk
from faqrag.search.answer_type import expected_types
from faqrag.search.retrieve import Retriever
from faqrag.search.rewrite import Rewriter, Rewritten
from faqrag.settings import Settings
from faqrag.text import truncate

log = logging.getLogger("faqrag.engine")
MIN_HITS = GAP_HITS  # hits searched for at least, so confidence sees as many as it compares


class Engine:
    def __init__(self, stored: StoredIndex, embedder: Embedder, settings: Settings | None = None):
        check_model(stored, embedder)
        self.stored = stored
        self.embedder = embedder
        self.settings = settings or Settings()
        self.rewriter = Rewriter(stored.chunks)
        self.retriever = Retriever(stored, self.settings, self.rewriter.places)
        self._handoff: Handoff | None | str = _UNKNOWN
        self._content = Content(self.rewriter.places.corpus_places, self.retriever.lexical.idf)  # for weak_support
        # Every answer carries the way to a person. A one-question process that shows it
        # only under a decline turns this off and asks for it then (finding the guide's
        # contact section costs a model call and two searches).
        self.handoff_in_every_answer = True

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
        from faqrag.index.calibration import calibrated  # the corpus's own threshold, if it was tuned

        settings = calibrated(index_dir, settings or Settings())
        # Only a model the user names is loaded from anywhere but the bundled default;
        # it loads in a thread while this one loads the index.
        if embedder is None:
            embedder = for_index(index_dir, model)
        return cls(load_index(index_dir), embedder, settings)

    def warm_up(self) -> None:
        """Load the model now rather than inside the first question's timing."""
        self.embedder.encode(["warm up"])
        self.rewriter.warm_up()
        self.handoff()  # found once, here rather than in the first question's time

    def warm_up_for(self, question: str) -> None:
        """Load what this one question needs: the model (waiting for its preload,
        no trial encoding) and only the word lists reading it uses. Cheaper than
        ``warm_up`` for a process that answers one question."""
        self.rewriter.rewrite(question)  # first, as it needs no model: it runs while the model loads
        load = getattr(self.embedder, "load", None)
        if load:
            load()
        else:
            self.embedder.encode(["warm up"])

    def handoff(self) -> Handoff | None:
        """The way to a person (answer/handoff.py): from the settings, else the guide's
        own contact section, found once by asking the guide how to reach one."""
        if self._handoff is _UNKNOWN:
            chosen = handoffs.from_settings(self.settings)
            if chosen is None:
                try:
                    chosen = handoffs.best(self._answer_plain(handoffs.CONTACT_QUESTIONS))
                except Exception:  # the way to a person is an extra: a failure here must not stop answers
                    log.exception("no hand-off: looking for the guide's contact section failed")
            self._handoff = chosen
        return self._handoff if isinstance(self._handoff, Handoff) else None

    def _answer_plain(self, questions: Sequence[str]) -> list[Response]:
        """Our own questions, well formed: answered as written (no spelling or place
        reading, whose word lists a one-question process need not load), in one model
        call, without the framing that needs the hand-off being looked for."""
        vecs = self.embedder.encode(list(questions))
        return [self._answer(q, Rewritten(q), v, 5, 0.0, framed=False) for q, v in zip(questions, vecs)]

    def stale_files(self, corpus_dir: Path | None = None) -> list[str]:
        return stale_files(self.stored.manifest, corpus_dir)

    def ask(self, question: str, k: int = 5) -> Response:
        q = check_question(question, self.settings)
        t0 = time.perf_counter()
        rw = self.rewriter.rewrite(q)
        qvec = self.embedder.encode([rw.text])[0]
        return self._answer(q, rw, qvec, k, (time.perf_counter() - t0) * 1000)

    def answer_vector(self, question: str, rw: Rewritten, qvec, k: int = 5, embed_ms: float = 0.0) -> Response:
        """Answer a question checked by ``check_question``, rewritten by ``rewrite``,
        whose vector (of ``rw.text``) was made elsewhere: the server embeds
        concurrent questions together."""
        return self._answer(question, rw, qvec, k, embed_ms)

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
            rws = [self.rewriter.rewrite(q) for q in batch]
            vecs = self.embedder.encode([rw.text for rw in rws], batch_size=batch_size)
            per = (time.perf_counter() - t0) * 1000 / len(batch)
            out.extend(self._answer(q, rw, v, k, per) for q, rw, v in zip(batch, rws, vecs))
            if on_batch:
                on_batch(len(batch))
        return out

    def rewrite(self, q: str) -> Rewritten:
        return self.rewriter.rewrite(q)

    def confidence_features(self, q: str, qvec, rw: Rewritten | None = None) -> tuple[float, ...]:
        """What confidence is computed from for this question, as ask sees it
        (settings.CONFIDENCE_FEATURES); for tuning and tests. ``qvec`` embeds
        ``rw.text`` (the rewritten question)."""
        rw = rw or self.rewriter.rewrite(q)
        terms = self.retriever.lexical.terms(rw.lexical_text, not_names=rw.resolved_words, places=rw.asked)
        types = expected_types(q)
        found = self.retriever.evidence(self.retriever.search(qvec, terms, MIN_HITS, types), qvec)
        return confidence_features(arrange(found, self.settings, types, terms), terms, types)

    def _answer(self, q: str, rw: Rewritten, qvec, k: int, embed_ms: float, *, framed: bool = True) -> Response:
        t1 = time.perf_counter()
        terms = self.retriever.lexical.terms(rw.lexical_text, not_names=rw.resolved_words, places=rw.asked)
        types = expected_types(q)
        found = self.retriever.evidence(self.retriever.search(qvec, terms, max(k, MIN_HITS), types), qvec)
        t2 = time.perf_counter()
        resp = compose(q, found, terms, self.settings, k, types, rw.note)
        resp = bounded(self._framed(resp, rw, terms, found) if framed else _with_page(resp, self), self.settings)
        t3 = time.perf_counter()
        resp.timings_ms.update(
            embed=round(embed_ms, 2),
            search=round((t2 - t1) * 1000, 2),
            compose=round((t3 - t2) * 1000, 2),
            total=round(embed_ms + (t3 - t1) * 1000, 2),
        )
        return resp

    def _framed(self, resp: Response, rw: Rewritten, terms, found) -> Response:
        """The answer with what frames it for a reader (answer/framing.py), the way to a
        person, and what makes an answer given with confidence doubtful (answer/support.py).
        Added after compose: none of it changes the short answer or its confidence."""
        resp = replace(_with_page(resp, self), handoff=self.handoff() if self.handoff_in_every_answer else None)
        a = resp.answer
        if a is None or resp.abstained:
            return resp
        q = resp.question
        ev = next((e for e in found if e.chunk.id == a.chunk_id), None)
        restated = ev is not None and ev.hit.question_sim >= self.settings.faq_question_threshold
        weak = weak_support(q, rw, terms, found, a.chunk_id, restated=restated, content=self._content)
        asked = question_answered(q, ev, a.text) if ev is not None else None
        return replace(resp, answer=replace(a, question_answered=asked), weak_support=weak)


def example_questions(chunks: Sequence[Chunk], n: int = 4) -> list[str]:
    """Questions the content can answer: its FAQ questions, else its section headings
    (the page's examples, and the API's at /docs)."""
    out: list[str] = []
    for q in [c.question for c in chunks if c.kind == "faq"] + [c.trail[-1] for c in chunks if c.trail]:
        if q and q not in out:
            out.append(q)
            if len(out) >= n:
                break
    return out


_UNKNOWN = "unknown"  # Engine._handoff before it is looked for


def _with_page(resp: Response, engine: Engine) -> Response:
    a = resp.answer
    if a is None:
        return resp
    return replace(resp, answer=replace(a, url=page_url(engine.stored.documents.get(a.doc))))


def bounded(resp: Response, settings: Settings) -> Response:
    """The answer with every text it carries cut to ``max_text_chars``: a 5 MB
    FAQ answer or notice in the corpus must not become a 5 MB answer."""
    n = settings.max_text_chars
    return replace(
        resp,
        answer=resp.answer
        and replace(
            resp.answer,
            text=truncate(resp.answer.text, n),
            source=truncate(resp.answer.source, n),
            question_answered=resp.answer.question_answered and truncate(resp.answer.question_answered, n),
        ),
        passages=[
            replace(p, text=truncate(p.text, n), source=truncate(p.source, n), highlight=truncate(p.highlight, n))
            for p in resp.passages
        ],
        faq=[
            replace(f, question=truncate(f.question, n), answer=truncate(f.answer, n), source=truncate(f.source, n))
            for f in resp.faq
        ],
        suggestions=[truncate(t, n) for t in resp.suggestions],
        notice=resp.notice and truncate(resp.notice, n),
        handoff=resp.handoff
        and replace(resp.handoff, label=truncate(resp.handoff.label, n), text=truncate(resp.handoff.text, n)),
    )
