"""From ranked hits to what a person reads: a short answer, its source, or a
plain "not covered" with nearby topics.

The short answer depends on what was found: an FAQ entry gives its answer, a
directory line gives itself with its block's shared lines (hours, languages), a
list gives its lead-in and items, and a passage gives the one to three
sentences that best match the question. ``compose`` reads only the evidence
it is handed (search/retrieve.py), never the index or the retriever.
"""

from __future__ import annotations

import re

from faqrag.answer.arrange import arrange
from faqrag.answer.confidence import GAP_HITS, confidence, confidence_features
from faqrag.answer.context import render, with_context
from faqrag.answer.parts import rank_parts
from faqrag.answer.records import Answer, FaqMatch, Passage, Response
from faqrag.records import ALTERNATE, HEADING, QUESTION, Chunk, Document
from faqrag.search.lexical import QueryTerms
from faqrag.search.retrieve import Evidence
from faqrag.settings import Settings
from faqrag.text import truncate

SEP = " \u203a "  # between parts of a source: "Guide › Section › Subsection"


def compose(
    question: str,
    found: list[Evidence],
    terms: QueryTerms,
    settings: Settings,
    k: int,
    types: frozenset[str] = frozenset(),
    read_as: str | None = None,
) -> Response:
    """The response to ``question`` from its ranked ``found`` evidence (at least the top
    ``GAP_HITS``; ``k`` of them are shown as passages)."""
    # What answers and how sure we are depend on the top hits only, never on
    # how many passages were asked for.
    found = arrange(found[:GAP_HITS], settings, types, terms) + found[GAP_HITS:]
    conf = confidence(confidence_features(found[:GAP_HITS], terms, types), settings)
    abstained = conf < settings.abstain_below

    # Each shown chunk's parts ranked once: the highlight and the short answer share it.
    rankings = {ev.hit.chunk: rank_parts(ev, terms, types, settings) for ev in found[:k]}
    passages = [
        Passage(
            ev.chunk.text,
            round(ev.hit.score, 4),
            source_of(ev.doc, ev.chunk),
            ev.chunk.kind,
            ev.chunk.doc,
            ev.chunk.id,
            _highlight(ev.chunk, rankings[ev.hit.chunk]),
            ev.chunk.span,
        )
        for ev in found[:k]
    ]
    # FAQ entries close to the best hit only: the nearest FAQ to a question
    # about one country's number may be another country's, which matches nothing.
    faqs = []
    for ev in sorted((ev for ev in found if ev.chunk.kind == "faq"), key=lambda ev: -ev.hit.score):
        c = ev.chunk
        if ev.hit.score >= found[0].hit.score - settings.faq_list_within and len(faqs) < 3:
            faqs.append(FaqMatch(c.question, c.answer, round(ev.hit.score, 4), source_of(ev.doc, c), c.doc, c.id))

    answer = None
    notice = None
    suggestions: list[str] = []
    if found and not abstained:
        top = found[0]
        # A directory line quoting a number that one fuller entry lists answers with that
        # entry, cited from its own place (never lines of two places under one source).
        unit = top.fuller or top
        c = unit.chunk
        if unit.hit.chunk not in rankings:
            rankings[unit.hit.chunk] = rank_parts(unit, terms, types, settings)
        # The best match was the unit's own question or heading: its opening answers.
        restated = top.fuller is None and (
            top.hit.role in (QUESTION, HEADING)
            or (top.hit.role == ALTERNATE and top.hit.dense >= settings.alternate_threshold)
        )
        text = _short_answer(c, rankings[unit.hit.chunk], settings, restated)
        answer = Answer(text, source_of(unit.doc, c), c.kind, c.doc, c.id, c.span)
        notice = unit.doc.notice
    else:
        suggestions = _suggestions(found, settings.suggestions)
    return Response(question, abstained, round(conf, 4), answer, passages, faqs, suggestions, notice, read_as)


def source_of(doc: Document, chunk: Chunk) -> str:
    trail = [_without_title(t, doc.title) for t in chunk.trail if t != doc.title]
    return SEP.join((doc.title, *trail))


def _without_title(heading: str, title: str) -> str:
    """A heading "<Title> Contact Numbers" reads "Contact Numbers" after the title."""
    rest = heading[len(title) :]
    if heading.startswith(title) and rest[:1] in (" ", ":", "|", "-", "–", "—") and len(rest) > 3:
        return rest.lstrip(" -–—:|")
    return heading


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
        return truncate(render(c, with_context(c, ranking, limit)), limit)
    if not ranking:
        return truncate(c.text, limit)
    # A section's answer opens with its heading: it says what the lines below answer.
    head = f"{c.question}\n" if c.kind == "section" and c.question else ""
    if head and len(head) + len(c.text) <= settings.whole_section_chars:
        return head + c.text  # a short section is its own best answer, in order, with its context
    order = list(range(len(c.parts))) if head and restated else ranking
    return truncate(head + render(c, with_context(c, order, limit - len(head), grow=bool(head and restated))), limit)


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


def _suggestions(found: list[Evidence], n: int) -> list[str]:
    """Nearby topics a person can ask about instead: FAQ questions, or sections,
    named as a person would ask ("Travel & Hospitality", not "5. Travel &
    Hospitality"; steps of a sequence, "Step 1", "Step 2", by the heading they
    belong to)."""
    trails = [ev.chunk.trail for ev in found if ev.chunk.kind != "faq"]
    sequence = _sequence_labels([_unnumbered(t[-1]) for t in trails if t])
    out: list[str] = []
    for ev in found:
        c = ev.chunk
        topic = c.question if c.kind == "faq" else _topic(c.trail, sequence)
        if topic and topic.casefold() not in {o.casefold() for o in out}:
            out.append(topic)
        if len(out) >= n:
            break
    return out


_NUMBERING = re.compile(r"^\s*(?:\d{1,3}(?:\.\d{1,3})+\.?|\d{1,3}[.)]|[IVXivx]{1,5}[.)]|[A-Za-z][.)])\s+(?=\S)")
_LABELLED = re.compile(r"^\s*([^\W\d_]{1,12})\s*(?:\d{1,3}|[IVX]{1,4})\s*[:.)]?\s*$")


def _unnumbered(heading: str) -> str:
    return _NUMBERING.sub("", heading).strip()


def _sequence_labels(headings: list[str]) -> set[str]:
    """Words used as "<word> <number>" by two or more different headings (Step 1,
    Step 2): labels of a sequence, which say nothing on their own."""
    seen: dict[str, set[str]] = {}
    for h in headings:
        m = _LABELLED.match(h)
        if m:
            seen.setdefault(m[1].casefold(), set()).add(h)
    return {word for word, hs in seen.items() if len(hs) > 1}


def _topic(trail: tuple[str, ...] | list[str], sequence: set[str]) -> str:
    for heading in reversed(trail):
        name = _unnumbered(heading)
        m = _LABELLED.match(name)
        if name and not (m and m[1].casefold() in sequence):
            return name
    return ""
