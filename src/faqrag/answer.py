"""From ranked hits to what a person reads: a short answer, its source, or a
plain "not covered" with nearby topics.

The short answer depends on what was found: an FAQ entry gives its answer, a
directory line gives itself with its block's shared lines (hours, languages), a
list gives its lead-in and items, and a passage gives the one to three
sentences that best match the question.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .answer_type import numbers_in
from .lexical import QueryTerms
from .records import Chunk, Document
from .retrieve import Hit, Retriever
from .settings import Settings
from .text import truncate

SEP = " \u203a "  # between parts of a source: "Guide › Section › Subsection"
GAP_HITS = 10  # confidence's dense gap compares the best cosine with the rest of the top ten


@dataclass(frozen=True)
class Answer:
    text: str
    source: str
    kind: str
    doc: str
    chunk_id: str
    span: tuple[int, int]


@dataclass(frozen=True)
class Passage:
    text: str
    score: float
    source: str
    kind: str
    doc: str
    chunk_id: str
    highlight: str
    span: tuple[int, int]


@dataclass(frozen=True)
class FaqMatch:
    question: str
    answer: str
    score: float
    source: str
    doc: str
    chunk_id: str


@dataclass(frozen=True)
class Response:
    question: str
    abstained: bool
    confidence: float
    answer: Answer | None
    passages: list[Passage]
    faq: list[FaqMatch]
    suggestions: list[str]
    notice: str | None
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for p in d["passages"]:
            p["span"] = list(p["span"])
        if d["answer"]:
            d["answer"]["span"] = list(d["answer"]["span"])
        return d


def source_of(doc: Document, chunk: Chunk) -> str:
    trail = [_without_title(t, doc.title) for t in chunk.trail if t != doc.title]
    return SEP.join((doc.title, *trail))


def _without_title(heading: str, title: str) -> str:
    """A heading "<Title> Contact Numbers" reads "Contact Numbers" after the title."""
    rest = heading[len(title) :]
    if heading.startswith(title) and rest[:1] in (" ", ":", "|", "-", "–", "—") and len(rest) > 3:
        return rest.lstrip(" -–—:|")
    return heading


def confidence_features(hits: list[Hit], terms: QueryTerms, chunk_terms: list[frozenset[str]]) -> tuple[float, ...]:
    """What confidence is computed from (settings.CONFIDENCE_FEATURES, in order):
    the top hit's cosine and BM25 share; how much of the question's term
    weight the corpus uses at all; how closely the question restates an FAQ
    question (the strongest evidence in FAQ files); how far the best cosine
    stands above the other top hits' (a covered question has one clear best
    match, an uncovered one is about as far from everything); and the share
    of the question's names that the top hit mentions."""
    if not hits:
        return (0.0, 0.0, terms.coverage, 0.0, 0.0, terms.name_support(frozenset()))
    top = hits[0]
    dense = sorted(h.dense for h in hits[:GAP_HITS])
    gap = dense[-1] - sum(dense[:-1]) / (len(dense) - 1) if len(dense) > 1 else 0.0
    return (
        top.dense,
        top.lexical,
        terms.coverage,
        max(h.question_sim for h in hits),
        gap,
        terms.name_support(chunk_terms[top.chunk]),
    )


def confidence(features: tuple[float, ...], settings: Settings) -> float:
    z = settings.conf_bias + sum(w * x for w, x in zip(settings.conf_weights, features, strict=True))
    return 1.0 / (1.0 + math.exp(-z))


def compose(
    question: str,
    hits: list[Hit],
    qvec: np.ndarray,
    terms: QueryTerms,
    retriever: Retriever,
    settings: Settings,
    k: int,
    types: frozenset[str] = frozenset(),
) -> Response:
    stored = retriever.stored
    hits = prefer_faq_match(hits, settings)
    conf = confidence(confidence_features(hits, terms, retriever.lexical.chunk_terms), settings)
    abstained = conf < settings.abstain_below

    # Each shown chunk's parts ranked once: the highlight and the short answer share it.
    rankings = {h.chunk: _part_ranking(stored.chunks[h.chunk], h, retriever, qvec, terms, types) for h in hits[:k]}
    passages = []
    for h in hits[:k]:
        c = stored.chunks[h.chunk]
        doc = stored.documents[c.doc]
        passages.append(
            Passage(
                c.text,
                round(h.score, 4),
                source_of(doc, c),
                c.kind,
                c.doc,
                c.id,
                _highlight(c, rankings[h.chunk]),
                c.span,
            )
        )
    # FAQ entries close to the best hit only: the nearest FAQ to a question
    # about one country's number may be another country's, which matches nothing.
    faqs = []
    for h in sorted((h for h in hits if stored.chunks[h.chunk].kind == "faq"), key=lambda h: -h.score):
        c = stored.chunks[h.chunk]
        if h.score >= hits[0].score - settings.faq_list_within and len(faqs) < 3:
            faqs.append(
                FaqMatch(c.question, c.answer, round(h.score, 4), source_of(stored.documents[c.doc], c), c.doc, c.id)
            )

    answer = None
    notice = None
    suggestions: list[str] = []
    if hits and not abstained:
        top = hits[0]
        c = stored.chunks[top.chunk]
        doc = stored.documents[c.doc]
        text = _short_answer(c, rankings[top.chunk], retriever, settings)
        answer = Answer(text, source_of(doc, c), c.kind, c.doc, c.id, c.span)
        notice = doc.notice
    else:
        suggestions = _suggestions(hits, stored, settings.suggestions)
    return Response(question, abstained, round(conf, 4), answer, passages, faqs, suggestions, notice)


def prefer_faq_match(hits: list[Hit], settings: Settings) -> list[Hit]:
    """A question that closely restates an FAQ question is answered by that FAQ."""
    if not hits:
        return hits
    floor = hits[0].lexical - settings.faq_lexical_margin
    matches = (h for h in hits if h.question_sim >= settings.faq_question_threshold and h.lexical >= floor)
    best = max(matches, key=lambda h: h.question_sim, default=None)
    if best is None or best is hits[0]:
        return hits
    promoted = Hit(best.chunk, max(best.score, hits[0].score), best.dense, best.lexical, best.role, best.question_sim)
    return [promoted] + [h for h in hits if h is not best]


def _part_ranking(c: Chunk, h: Hit, retriever: Retriever, qvec, terms: QueryTerms, types: frozenset[str]) -> list[int]:
    """The chunk's parts (sentences, items, lines), best match to the question first."""
    if not c.parts:
        return []
    dense = retriever.part_scores(h.chunk, qvec)
    wanted = set(terms.ids.tolist())
    lex = retriever.lexical
    st = retriever.settings
    scores = []
    for i, (toks, held) in enumerate(retriever.part_facts(h.chunk)):
        overlap = sum(lex.idf_by_id[t] for t in wanted & toks) / terms.weight if terms.weight else 0.0
        d = dense.get(i, h.dense if len(c.parts) == 1 else 0.0)
        bonus = st.type_bonus if types & held else 0.0
        scores.append(st.dense_weight * d + st.lexical_weight * min(overlap, 1.0) + bonus)
    return sorted(range(len(c.parts)), key=lambda i: -scores[i])


def _highlight(c: Chunk, ranking: list[int]) -> str:
    if c.kind == "faq":
        return c.question
    return c.part_text(ranking[0]) if ranking else ""


def _short_answer(c: Chunk, ranking: list[int], retriever: Retriever, settings: Settings) -> str:
    limit = settings.max_answer_chars
    if c.kind == "faq":
        return _first_sentences(c.answer, c, limit)
    if c.kind == "entry":
        return truncate("\n".join((c.text, *_borrowed_context(c, retriever))), limit)
    if c.kind == "list":
        intro = " \u2014 ".join(x for x in ((c.trail[-1] if c.trail else ""), c.lead) if x)

        def render(items: list[int]) -> str:
            return "\n".join(([intro] if intro else []) + ["\u2022 " + c.part_text(i) for i in items])

        text = render(list(range(len(c.parts))))
        if len(text) <= limit:
            return text
        # Too long whole: the best-matching items, as many as fit, in list order.
        keep = ranking[:1]
        for i in ranking[1:3]:
            if len(render(sorted(keep + [i]))) <= limit:
                keep.append(i)
        return truncate(render(sorted(keep)), limit)
    # A passage: the best sentence, with a neighbour when it is short on its own.
    if not ranking:
        return truncate(c.text, limit)
    best = ranking[0]
    chosen = [best]
    if len(c.part_text(best)) < 160 and len(c.parts) > 1:
        nxt = best + 1 if best + 1 < len(c.parts) else best - 1
        if len(c.part_text(best)) + len(c.part_text(nxt)) < limit:
            chosen.append(nxt)
    chosen.sort()
    s, e = c.parts[chosen[0]][0], c.parts[chosen[-1]][1]
    return truncate(c.text[s:e], limit)


def _borrowed_context(c: Chunk, retriever: Retriever) -> tuple[str, ...]:
    """Shared lines of another directory entry that quotes the same number.

    A guide may list a number twice: once in a bare list, once in a directory
    block with its hours and languages. Whichever line matched, the person
    should see the hours too.
    """
    if c.context:
        return ()
    for number in sorted(numbers_in(c.part_text(0))):
        for i in retriever.entries_by_number.get(number, ()):
            other = retriever.stored.chunks[i]
            if other.id != c.id:
                return other.context
    return ()


def _first_sentences(text: str, c: Chunk, limit: int) -> str:
    if len(text) <= limit:
        return text
    out = ""
    for s, e in c.parts:
        piece = c.text[s:e]
        if len(out) + len(piece) + 1 > limit:
            break
        out = f"{out} {piece}".strip()
    return out or truncate(text, limit)


def _suggestions(hits: list[Hit], stored, n: int) -> list[str]:
    """Nearby topics a person can ask about instead: FAQ questions, or sections."""
    out: list[str] = []
    for h in hits:
        c = stored.chunks[h.chunk]
        topic = c.question if c.kind == "faq" else (c.trail[-1] if c.trail else "")
        if topic and topic not in out:
            out.append(topic)
        if len(out) >= n:
            break
    return out
