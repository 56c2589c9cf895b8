"""From ranked hits to what a person reads: a short answer, its source, or a
plain "not covered" with nearby topics.

The short answer depends on what was found: an FAQ entry gives its answer, a
directory line gives itself with its block's shared lines (hours, languages), a
list gives its lead-in and items, and a passage gives the one to three
sentences that best match the question.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from faqrag.records import ALTERNATE, CODE, HEADING, ITEM, LEAD, QUESTION, SENTENCE, Chunk, Document
from faqrag.search.answer_type import numbers_in
from faqrag.search.lexical import QueryTerms
from faqrag.search.retrieve import Hit, Retriever
from faqrag.settings import Settings
from faqrag.text import leans_back, truncate

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
    read_as: str | None = None  # words read differently: "Frnace → France; Lyon → France"
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


def confidence_features(
    hits: list[Hit], terms: QueryTerms, retriever: Retriever, types: frozenset[str] = frozenset()
) -> tuple[float, ...]:
    """What confidence is computed from (settings.CONFIDENCE_FEATURES, in order):
    the top hit's cosine and BM25 share; how much of the question's term
    weight the corpus uses at all; how closely the question restates an FAQ
    question (the strongest evidence in FAQ files); how far the best cosine
    stands above the other top hits' (a covered question has one clear best
    match, an uncovered one is about as far from everything); and the share
    of the question's names that the top hit mentions; whether the top hit
    holds the kind of value asked for (1 when none is asked for); and the
    share of what the question asks beyond names that the top hit uses; and
    the share of its names the corpus uses at all."""
    chunk_terms = retriever.lexical.chunk_terms
    if not hits:
        return (
            0.0,
            0.0,
            terms.coverage,
            0.0,
            0.0,
            terms.name_support(frozenset()),
            0.0 if types else 1.0,
            0.0,
            terms.known_names,
        )
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
        1.0 if not types or types & retriever.chunk_kinds[top.chunk] else 0.0,
        terms.ask_support(chunk_terms[top.chunk]),
        terms.known_names,
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
    read_as: str | None = None,
) -> Response:
    stored = retriever.stored
    # What answers and how sure we are depend on the top hits only, never on
    # how many passages were asked for.
    hits = arrange(hits[:GAP_HITS], retriever, settings, types, terms) + hits[GAP_HITS:]
    conf = confidence(confidence_features(hits[:GAP_HITS], terms, retriever, types), settings)
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
        unit = _richer_entry(top.chunk, retriever)
        c = stored.chunks[unit]
        doc = stored.documents[c.doc]
        if unit not in rankings:
            rankings[unit] = _part_ranking(c, replace(top, chunk=unit), retriever, qvec, terms, types)
        # The best match was the unit's own question or heading: its opening answers.
        restated = unit == top.chunk and (
            top.role in (QUESTION, HEADING) or (top.role == ALTERNATE and top.dense >= settings.alternate_threshold)
        )
        text = _short_answer(c, rankings[unit], settings, restated)
        answer = Answer(text, source_of(doc, c), c.kind, c.doc, c.id, c.span)
        notice = doc.notice
    else:
        suggestions = _suggestions(hits, stored, settings.suggestions)
    return Response(question, abstained, round(conf, 4), answer, passages, faqs, suggestions, notice, read_as)


def arrange(
    hits: list[Hit], retriever: Retriever, settings: Settings, types: frozenset[str], terms: QueryTerms | None = None
) -> list[Hit]:
    """The hits in the order a person reads them: an FAQ whose question the
    question restates first (unless it misses names the top hit has); else,
    for a question asking for a kind of value, the best hit holding one, when
    it scores close to the top."""
    named = None
    if terms is not None and terms.names and hits:
        ct = retriever.lexical.chunk_terms
        floor = terms.name_support(ct[hits[0].chunk])
        named = {h.chunk for h in hits if terms.name_support(ct[h.chunk]) >= floor}
    hits = prefer_faq_match(hits, settings, named)
    if not hits or not types or types & retriever.chunk_kinds[hits[0].chunk]:
        return hits
    if hits[0].question_sim >= settings.faq_question_threshold:
        return hits  # a restated FAQ question answers, value or not
    floor = hits[0].score - settings.value_margin
    best = next((h for h in hits[1:] if h.score >= floor and types & retriever.chunk_kinds[h.chunk]), None)
    if best is None:
        return hits
    return [replace(best, score=hits[0].score)] + [h for h in hits if h is not best]


def prefer_faq_match(hits: list[Hit], settings: Settings, allowed: set[int] | None = None) -> list[Hit]:
    """A question that closely restates an FAQ question is answered by that FAQ
    (of the ``allowed`` chunks, when given)."""
    if not hits:
        return hits
    floor = hits[0].lexical - settings.faq_lexical_margin
    matches = (
        h
        for h in hits
        if h.question_sim >= settings.faq_question_threshold
        and h.lexical >= floor
        and (allowed is None or h.chunk in allowed)
    )
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


def _short_answer(c: Chunk, ranking: list[int], settings: Settings, restated: bool = False) -> str:
    """``restated``: the question matched the unit's own question or heading,
    so the unit's opening answers it; otherwise its best part does."""
    limit = settings.max_answer_chars
    if c.kind == "entry":
        return truncate(c.text, limit)  # the line and its block's shared lines
    if c.kind == "list":
        return _list_answer(c, ranking, limit)
    if c.kind == "faq":
        if len(c.answer) <= limit or restated or not ranking:
            return _first_sentences(c.answer, c, limit)
        return truncate(_render(c, _with_context(c, ranking, limit)), limit)
    if not ranking:
        return truncate(c.text, limit)
    # A section's answer opens with its heading: it says what the lines below answer.
    head = f"{c.question}\n" if c.kind == "section" and c.question else ""
    if head and len(head) + len(c.text) <= settings.whole_section_chars:
        return head + c.text  # a short section is its own best answer, in order, with its context
    order = list(range(len(c.parts))) if head and restated else ranking
    return truncate(head + _render(c, _with_context(c, order, limit - len(head), grow=bool(head and restated))), limit)


def _list_answer(c: Chunk, ranking: list[int], limit: int) -> str:
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


def _roles(c: Chunk) -> tuple[tuple[str, ...], tuple[int, ...]]:
    n = len(c.parts)
    return (c.part_roles or (SENTENCE,) * n), (c.part_groups or (0,) * n)


def _needs(c: Chunk, i: int, depth: int = 0) -> set[int]:
    """Part ``i`` and the parts it cannot be read without: a list item its
    lead-in, a code block the line introducing it, a sentence that refers back
    the sentence it refers to."""
    roles, groups = _roles(c)
    out = {i}
    if roles[i] == ITEM:
        out |= {j for j in range(i) if roles[j] == LEAD and groups[j] == groups[i]}
    elif i > 0 and depth < 2 and (roles[i] == CODE or (roles[i] == SENTENCE and leans_back(c.part_text(i)))):
        out |= _needs(c, i - 1, depth + 1)
    # A line ending in a colon announces what follows ("Run the following command:").
    if roles[i] != ITEM and c.part_text(i).rstrip().endswith(":") and i + 1 < len(c.parts) and depth < 2:
        out.add(i + 1)
        if roles[i + 1] in (ITEM, LEAD):  # the announced list or table, whole
            out |= {j for j in range(len(c.parts)) if groups[j] == groups[i + 1]}
    return out


def _with_context(c: Chunk, ranking: list[int], limit: int, grow: bool = False) -> list[int]:
    """The best part with the context it needs; a list whole when it fits (steps
    stay in order); a short answer with the part that follows it in its block.
    ``grow``: keep adding parts in ``ranking`` order while they fit (a unit's
    opening, read in order)."""
    roles, groups = _roles(c)
    best = ranking[0]
    chosen = _needs(c, best)

    def size(parts: set[int]) -> int:
        return sum(c.parts[i][1] - c.parts[i][0] + 3 for i in parts)

    if grow:
        for j in ranking[1:]:
            more = chosen | _needs(c, j)
            if size(more) > limit:
                break
            chosen = more
        return sorted(chosen)

    if roles[best] in (ITEM, LEAD):
        group = {j for j in range(len(c.parts)) if groups[j] == groups[best]}
        if size(group) <= limit:
            chosen |= group
        else:
            for j in ranking[1:]:
                if j in group and roles[j] == ITEM and size(chosen | {j}) <= limit:
                    chosen.add(j)
    if size(chosen) < 160:
        nxt, prv = max(chosen) + 1, min(chosen) - 1
        for j in (nxt, prv):
            if 0 <= j < len(c.parts) and (groups[j] == groups[best] or roles[j] == CODE):
                more = chosen | _needs(c, j)
                if size(more) <= limit:
                    chosen = more
                    break
    return sorted(chosen)


def _render(c: Chunk, parts: list[int]) -> str:
    roles, groups = _roles(c)
    out = ""
    prev = None
    for i in parts:
        piece = ("\u2022 " if roles[i] == ITEM else "") + c.part_text(i)
        if prev is None:
            out = piece
        elif roles[i] == SENTENCE and roles[prev] == SENTENCE and groups[i] == groups[prev]:
            out += (" " if i == prev + 1 else " \u2026 ") + piece
        else:
            out += "\n" + piece
        prev = i
    return out


def _richer_entry(chunk: int, retriever: Retriever) -> int:
    """A directory entry quoting the same number with its block's shared lines.

    A guide may list a number twice: once in a bare list, once in a directory
    block with its hours and languages. Whichever line matched, the answer is
    the fuller entry, cited from its own place (never lines of two places under
    one source).
    """
    c = retriever.stored.chunks[chunk]
    if c.kind != "entry" or c.context:
        return chunk
    # Only when exactly one entry quotes the number: a number shared by several
    # regions' entries says nothing about which region's hours apply.
    others = {i for n in numbers_in(c.part_text(0)) for i in retriever.entries_by_number.get(n, ()) if i != chunk}
    return others.pop() if len(others) == 1 else chunk


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
