"""How sure an answer is: a logistic function of a few facts about the top hits."""

from __future__ import annotations

import math

from faqrag.search.lexical import QueryTerms
from faqrag.search.retrieve import Evidence
from faqrag.settings import Settings

GAP_HITS = 10  # confidence's dense gap compares the best cosine with the rest of the top ten


def confidence_features(
    found: list[Evidence], terms: QueryTerms, types: frozenset[str] = frozenset()
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
    if not found:
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
    top = found[0]
    dense = sorted(ev.hit.dense for ev in found[:GAP_HITS])
    gap = dense[-1] - sum(dense[:-1]) / (len(dense) - 1) if len(dense) > 1 else 0.0
    return (
        top.hit.dense,
        top.hit.lexical,
        terms.coverage,
        max(ev.hit.question_sim for ev in found),
        gap,
        terms.name_support(top.terms),
        1.0 if not types or types & top.kinds else 0.0,
        terms.ask_support(top.terms),
        terms.known_names,
    )


def confidence(features: tuple[float, ...], settings: Settings) -> float:
    z = settings.conf_bias + sum(w * x for w, x in zip(settings.conf_weights, features, strict=True))
    return 1.0 / (1.0 + math.exp(-max(-500.0, min(500.0, z))))  # no OverflowError, whatever the weights


def label(confidence: float, abstained: bool, settings: Settings) -> str | None:
    """How far to trust an answer: "High" from ``settings.high_from`` (where at
    least 95% of answers were right on every labelled set), "Medium" from
    ``settings.medium_from``, "Low" below; None for a declined question."""
    if abstained:
        return None
    if confidence >= settings.high_from:
        return "High"
    return "Medium" if confidence >= settings.medium_from else "Low"
