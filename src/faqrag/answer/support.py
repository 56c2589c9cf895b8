"""Why an answer given with confidence may still be wrong, from what the engine
found: the review page queues such answers for a maintainer's look.

Three signs, each read from the evidence and the question as the engine read
it, never from a known example:

- a name the question gives ("Sweden", "iOS", "5pm") that the content uses but
  the answering unit does not mention;
- another unit scoring about as high as the one that answers (or higher, when a
  rule picked the answer), holding something else;
- a place read from the question (a city or country the content does not name,
  resolved to one it does) answered by a unit naming another place of the
  content: asked about one country, answered with a neighbour's number.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Container
from dataclasses import dataclass

from faqrag.search.answer_type import numbers_in
from faqrag.search.lexical import QueryTerms
from faqrag.search.retrieve import Evidence
from faqrag.search.rewrite import Rewritten
from faqrag.text import names_in, tokenize

# Fused scores this close (or the answer's below another's) leave the choice to
# chance. On eight labelled sets, 15 of the 41 covered questions answered with a unit
# this close were answered wrongly; 56 of the 363 answers with no sign at all were
# (tools/framing_figures.py).
CLOSE_SECOND = 0.02
_WORD = re.compile(r"[^\W\d_]+(?:['.][^\W\d_]+)*")
MAX_PLACE_WORDS = 3


@dataclass(frozen=True)
class Content:
    """What the signs need to know of the content as a whole."""

    places: Collection[str] = frozenset()  # the place names it uses, lower-case (search/places.py)
    vocabulary: Container[str] = frozenset()  # its lexical terms (search/lexical.py)


def weak_support(
    asked: str,
    rw: Rewritten,
    terms: QueryTerms,
    found: list[Evidence],
    answer_id: str,
    *,
    restated: bool,
    content: Content | None = None,
) -> list[str]:
    """What makes the answer from chunk ``answer_id`` doubtful, in words a
    maintainer reads; ``found`` is the evidence in retrieval order (before any
    rule reordered it); ``restated``: the question restates the unit's own."""
    content = content or Content()
    ev = next((e for e in found if e.chunk.id == answer_id), None)
    if ev is None:  # a fuller directory entry answered for its line: judged by that line
        ev = next((e for e in found if e.fuller is not None and e.fuller.chunk.id == answer_id), None)
    if ev is None:
        return []
    out = []
    if missing := _missing_names(asked, rw, terms, ev, content.vocabulary):
        out.append(f"the question names {', '.join(missing)}; the answer does not")
    if not restated and (second := _close_second(found, ev)) is not None:
        out.append(
            f"another unit scores about as high ({second.hit.score:.2f} against {ev.hit.score:.2f}): "
            f"{' › '.join(second.chunk.trail[-2:]) or second.chunk.doc}"
        )
    out += _other_places(rw, ev, content.places)
    return out


def _missing_names(asked: str, rw: Rewritten, terms: QueryTerms, ev: Evidence, vocabulary: Container[str]) -> list[str]:
    """Names the question gives that the content uses but the answering unit does not
    (its document's title counts: a guide about a product seldom repeats its name in
    every line). A name the content never uses is no sign against this answer."""
    if not terms.names:
        return []
    has = ev.terms | set(tokenize(ev.doc.title))
    out = []
    for w in dict.fromkeys(names_in(asked)):
        toks = set(tokenize(w))
        if w not in rw.resolved_words and toks and toks <= terms.names and all(t in vocabulary for t in toks):
            if not toks <= has:
                out.append(w)
    return out


def _close_second(found: list[Evidence], ev: Evidence) -> Evidence | None:
    """The best other unit scoring within CLOSE_SECOND of ``ev`` (or above it) that
    does not hold the same thing (the same phone number, the fuller entry of a line)."""
    same = numbers_in(ev.chunk.text)
    twins = {ev.chunk.id} | ({ev.fuller.chunk.id} if ev.fuller else set())
    for other in found:
        if other.chunk.id in twins or (other.fuller is not None and other.fuller.chunk.id in twins):
            continue
        if same and same & numbers_in(other.chunk.text):
            continue
        return other if other.hit.score >= ev.hit.score - CLOSE_SECOND else None
    return None


def _other_places(rw: Rewritten, ev: Evidence, corpus_places: Collection[str]) -> list[str]:
    """A place read from the question, answered by a unit naming other places of the content only."""
    if not rw.places or not corpus_places:
        return []
    named = _places_in(ev.chunk.text, corpus_places)
    out = []
    for p in rw.places:
        others = sorted(named - {p.place.lower(), p.mentioned.lower()})
        if others and p.place.lower() not in named:
            out.append(
                f"{p.mentioned} was read as {p.place}; the answer is about {', '.join(o.title() for o in others)}"
            )
    return out


def _places_in(text: str, places: Collection[str]) -> set[str]:
    words = [w.lower() for w in _WORD.findall(text)]
    found = set()
    for n in range(1, MAX_PLACE_WORDS + 1):
        for i in range(len(words) - n + 1):
            gram = " ".join(words[i : i + n])
            if gram in places:
                found.add(gram)
    return found
