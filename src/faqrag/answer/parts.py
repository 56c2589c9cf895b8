"""A unit's parts (sentences, items, lines) ranked by how well each answers the question."""

from __future__ import annotations

from faqrag.search.lexical import QueryTerms
from faqrag.search.retrieve import Evidence
from faqrag.settings import Settings


def rank_parts(ev: Evidence, terms: QueryTerms, types: frozenset[str], settings: Settings) -> list[int]:
    """The part indices of ``ev``'s chunk, best match to the question first: the
    fused score of each part's cosine and its share of the question's term weight,
    as the chunk itself was scored, plus the value bonus for a part holding the
    kind of value asked for."""
    n = len(ev.chunk.parts)
    if not n:
        return []
    wanted = set(terms.ids.tolist())
    scores = []
    for i, (toks, held) in enumerate(ev.part_facts):
        overlap = sum(terms.idf_by_id[t] for t in wanted & toks) / terms.weight if terms.weight else 0.0
        d = ev.part_dense.get(i, ev.hit.dense if n == 1 else 0.0)
        bonus = settings.type_bonus if types & held else 0.0
        scores.append(settings.dense_weight * d + settings.lexical_weight * min(overlap, 1.0) + bonus)
    return sorted(range(n), key=lambda i: -scores[i])
