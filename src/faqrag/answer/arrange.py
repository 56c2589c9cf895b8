"""Who answers: the hits in the order a person reads them."""

from __future__ import annotations

from faqrag.search.lexical import QueryTerms
from faqrag.search.retrieve import Evidence
from faqrag.settings import Settings


def arrange(
    found: list[Evidence], settings: Settings, types: frozenset[str], terms: QueryTerms | None = None
) -> list[Evidence]:
    """For a question about a place, its own units first and other places' last
    (``by_place``); then
    an FAQ whose question the question restates first (unless it misses
    names the top hit has); else, for a question asking for a kind of value,
    the best hit holding one, when it scores close to the top."""
    if terms is not None and terms.places:
        found = by_place(found, terms, types)
    named = None
    if terms is not None and terms.names and found:
        floor = terms.name_support(found[0].terms)
        named = {ev.hit.chunk for ev in found if terms.name_support(ev.terms) >= floor}
    found = prefer_faq_match(found, settings, named)
    if not found or not types or types & found[0].kinds:
        return found
    if found[0].hit.question_sim >= settings.faq_question_threshold:
        return found  # a restated FAQ question answers, value or not
    floor = found[0].hit.score - settings.value_margin
    best = next((ev for ev in found[1:] if ev.hit.score >= floor and types & ev.kinds), None)
    if best is None:
        return found
    return [best.rescored(found[0].hit.score)] + [ev for ev in found if ev is not best]


def prefer_faq_match(found: list[Evidence], settings: Settings, allowed: set[int] | None = None) -> list[Evidence]:
    """A question that closely restates an FAQ question is answered by that FAQ
    (of the ``allowed`` chunks, when given)."""
    if not found:
        return found
    floor = found[0].hit.lexical - settings.faq_lexical_margin
    matches = (
        ev
        for ev in found
        if ev.hit.question_sim >= settings.faq_question_threshold
        and ev.hit.lexical >= floor
        and (allowed is None or ev.hit.chunk in allowed)
    )
    best = max(matches, key=lambda ev: ev.hit.question_sim, default=None)
    if best is None or best is found[0]:
        return found
    return [best.rescored(max(best.hit.score, found[0].hit.score))] + [ev for ev in found if ev is not best]


def by_place(found: list[Evidence], terms: QueryTerms, types: frozenset[str]) -> list[Evidence]:
    """For a question about a place: a unit about that place holding the kind of
    value asked for first (its own directory line, for "which number do I call
    from X?"); units about no place in particular next; units about other places
    last, where they never answer."""

    def tier(ev: Evidence) -> int:
        unit = ev.fuller or ev
        if elsewhere(ev, terms):
            return 3
        if not (types and types & unit.kinds and unit.places & terms.places):
            return 2
        return 0 if unit.places <= terms.places else 1  # its own line before a line it shares with others

    ordered = sorted(found, key=tier)  # stable: within a tier, the ranking stands
    if ordered == found:
        return found
    # Scores read in order, as the other promotions leave them: the one moved up takes the top score.
    out, ceiling = [], max(ev.hit.score for ev in found)
    for ev in ordered:
        ceiling = min(ceiling, ev.hit.score) if out else ceiling
        out.append(ev.rescored(ceiling) if ev.hit.score != ceiling else ev)
    return out


def elsewhere(ev: Evidence, terms: QueryTerms) -> bool:
    """Whether a unit is about other places than the question's: another
    country's directory line never answers for this one, however close its
    words (the continent both share, a number's form)."""
    unit = ev.fuller or ev
    return bool(terms.places) and bool(unit.places) and not (unit.places & terms.places)
