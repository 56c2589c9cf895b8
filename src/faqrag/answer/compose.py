"""From ranked hits to what a person reads: a short answer, its source, or a
plain "not covered" with nearby topics.

The short answer depends on what was found: a directory line gives itself
with its block's shared lines (hours, languages), a list its lead-in and
items, and any other unit itself when it fits, else its window with the most
evidence (window.py). ``compose`` reads only the evidence it is handed
(search/retrieve.py), never the index or the retriever.
"""

from __future__ import annotations

import re

from faqrag.answer.arrange import arrange, elsewhere
from faqrag.answer.confidence import GAP_HITS, confidence, confidence_features, label
from faqrag.answer.context import mark_of
from faqrag.answer.parts import rank_parts
from faqrag.answer.records import Answer, FaqMatch, Passage, Response
from faqrag.answer.window import OPENING_MARGIN, PartEvidence, ask_of, choose, write
from faqrag.records import ALTERNATE, Chunk, Document
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
    # Only other places' units came near: the corpus has nothing for this place, and says so.
    abstained = conf < settings.abstain_below or bool(found and elsewhere(found[0], terms))
    reason = _no_entry(terms) if abstained and _only_elsewhere(found[:GAP_HITS], terms) else None

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
        # A linked phrasing nearly restated: the unit's opening answers, as for its own question.
        linked = top.fuller is None and top.hit.role == ALTERNATE and top.hit.dense >= settings.alternate_threshold
        text = _short_answer(unit, rankings[unit.hit.chunk], terms, types, settings, linked)
        answer = Answer(text, source_of(unit.doc, c), c.kind, c.doc, c.id, c.span)
        notice = unit.doc.notice
    else:
        suggestions = _suggestions(found, settings.suggestions)
    return Response(
        question,
        abstained,
        round(conf, 4),
        answer,
        passages,
        faqs,
        suggestions,
        notice,
        read_as,
        label=label(conf, abstained, settings),
        reason=reason,
    )


def _only_elsewhere(found: list[Evidence], terms: QueryTerms) -> bool:
    """Other places' units came near, and none about the place asked for."""
    units = [ev.fuller or ev for ev in found]
    return any(elsewhere(ev, terms) for ev in found) and not any(u.places & terms.places for u in units)


def _no_entry(terms: QueryTerms) -> str:
    places = " or ".join(sorted(p.title() for p in terms.places))
    return f"The guide lists no entry for {places}."


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


def _short_answer(  # noqa: PLR0913  # the unit, its ranking and what the question asks: each is read
    ev: Evidence,
    ranking: list[int],
    terms: QueryTerms,
    types: frozenset[str],
    settings: Settings,
    linked: bool = False,
) -> str:
    """A unit that fits is its own answer; a longer one gives its window with
    the most evidence (window.py), from its opening by default when the
    question matched the unit's own question or heading at least as well as
    any of its parts (or a linked phrasing of it, ``linked``)."""
    c = ev.chunk
    limit = settings.max_answer_chars
    if c.kind == "entry":
        return truncate(c.text, limit)  # the line and its block's shared lines
    if c.kind == "list":
        return _list_answer(c, ranking, limit)
    # A section's answer opens with its heading: it says what the lines below answer.
    head = f"{c.question}\n" if c.kind == "section" and c.question else ""
    body = c.answer if c.kind == "faq" else c.text
    fits = settings.whole_section_chars if head else limit
    if len(head) + len(body) <= fits or not c.parts:
        return truncate(head + body, limit)
    n = len(c.parts)
    parts = [
        PartEvidence(toks, held, ev.part_dense.get(i, ev.hit.dense if n == 1 else 0.0))
        for i, (toks, held) in enumerate(ev.part_facts)
    ]
    opening = linked or (c.question != "" and ev.hit.head_sim >= max(p.dense for p in parts) - OPENING_MARGIN)
    ask = ask_of(terms, ev.head_terms, types, opening)
    room = limit - len(head)
    return truncate(head + write(c, choose(c, parts, ask, settings, room), room), limit)


def _list_answer(c: Chunk, ranking: list[int], limit: int) -> str:
    intro = " \u2014 ".join(x for x in ((c.trail[-1] if c.trail else ""), c.lead) if x)

    def render(items: list[int]) -> str:
        return "\n".join(([intro] if intro else []) + [f"{mark_of(c, i)} {c.part_text(i)}" for i in items])

    text = render(list(range(len(c.parts))))
    if len(text) <= limit:
        return text
    # Too long whole: the best-matching items, as many as fit, in list order.
    keep = ranking[:1]
    for i in ranking[1:3]:
        if len(render(sorted(keep + [i]))) <= limit:
            keep.append(i)
    return truncate(render(sorted(keep)), limit)


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
