"""Which stretch of a long unit is the short answer: the window of whole parts,
at most ``max_answer_chars`` long, that carries the most evidence.

A unit that fits is given whole. A longer one is read as windows of
consecutive parts (sentences, items, lines), each as long as fits, each with
the context its parts cannot be read without (context.needs: a lead-in, the
sentence a "this" points back to, the line introducing a code block). A
window scores by the evidence it holds, not by its single best sentence:

- the question's terms it uses (names included), each once, weighted by IDF,
  leaving out those the unit's own question or heading already holds (they go
  with every window alike, and say nothing about which one answers);
- whether it holds the kind of value asked for (a number, an address, a time);
- the best cosine of the question to any of its parts;
- when the unit's own question or heading matched the question at least as
  well as any of its parts, the opening, which is what a heading promises.

Among windows of equal evidence, the one that starts closest before the
single best part: the answer reads on from its evidence. A window that leaves
text out before or after says so with "…".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from faqrag.answer.context import Layout, render
from faqrag.records import Chunk
from faqrag.search.lexical import QueryTerms
from faqrag.settings import Settings
from faqrag.text import truncate

ELLIPSIS = "\u2026"
SEP_COST = 3  # what joining a part to the window costs at most: " … " or "\n• "
# The unit's own question or heading "matched" when its cosine is at least its
# best part's, less this: a question asking what the heading asks is answered
# by the opening, one asking about a detail by the part holding it.
OPENING_MARGIN = 0.05
# A unit of more parts than this (a huge FAQ answer) is searched only for
# windows that can reach its best-scoring parts, or its opening: every start
# would cost its parts times the parts of a window.
EXACT_PARTS = 400
REACHED_PARTS = 16


@dataclass(frozen=True)
class PartEvidence:
    """What one part of a unit holds for the question."""

    terms: frozenset[int]  # lexical term ids
    kinds: frozenset[str]  # kinds of value (phone, url, ...)
    dense: float  # cosine of the question to the part's view; 0 when it has none


@dataclass(frozen=True)
class Ask:
    """What a window is judged against: the question's term weights (without
    those of the unit's own heading), the kinds of value asked for, and whether
    the opening is the default."""

    weights: dict[int, float]
    types: frozenset[str]
    opening: bool  # the unit's own question or heading matched: its opening is the default


def ask_of(terms: QueryTerms, head: frozenset[int], types: frozenset[str], opening: bool) -> Ask:
    weights = {t: w for t, w in terms.idf_by_id.items() if t not in head}
    return Ask(weights, types, opening)


def choose(c: Chunk, parts: Sequence[PartEvidence], ask: Ask, settings: Settings, limit: int) -> list[int]:
    """The parts of ``c`` (in order) that make its best window within ``limit`` characters."""
    n = len(c.parts)
    if not n:
        return []
    layout = Layout(c)

    def size(chosen: set[int]) -> int:
        return sum(c.parts[i][1] - c.parts[i][0] + SEP_COST for i in chosen)

    scores = [_score([i], parts, ask, settings, opening=False) for i in range(n)]
    anchor = max(range(n), key=lambda i: (scores[i], -i))
    budget = limit - 2 * (len(ELLIPSIS) + 1)  # room for the marks at both ends
    best: tuple[tuple[float, int, int], list[int]] | None = None
    for start in _starts(c, scores, budget):
        chosen = set(layout.needs(start))
        total = size(chosen)
        if total > budget:
            if size({start}) <= budget:
                continue  # its context does not fit with it: a window starting earlier has both
            chosen, total = {start}, size({start})  # a part longer than an answer: its beginning, cut
        # Grown with a running size: summing the whole window at each step cost its
        # length squared for every start (tiny parts: 120 of them fit in an answer).
        for j in range(max(chosen) + 1, n):
            new = layout.needs(j) - chosen
            grown = total + size(new)
            if grown > budget:
                break
            chosen |= new
            total = grown
        window = _closed(layout, sorted(chosen), size, budget)
        if not window:
            continue
        score = _score(window, parts, ask, settings, opening=ask.opening and window[0] == 0)
        # Ties: the window holding the best part, starting nearest before it.
        holds = anchor in window
        key = (round(score, 9), int(holds), -(anchor - window[0]) if holds and window[0] <= anchor else -n)
        if best is None or key > best[0]:
            best = (key, window)
    return best[1] if best else [anchor]


def _starts(c: Chunk, scores: list[float], budget: int) -> list[int]:
    """Where windows start: anywhere in a unit of up to EXACT_PARTS parts; in a
    longer one, at the opening and wherever a window can still reach one of its
    REACHED_PARTS best parts."""
    n = len(c.parts)
    if n <= EXACT_PARTS:
        return list(range(n))
    out = {0}
    for a in sorted(range(n), key=lambda i: (-scores[i], i))[:REACHED_PARTS]:
        reach, s = 0, a
        while s >= 0 and reach <= budget:
            out.add(s)
            reach += c.parts[s][1] - c.parts[s][0] + SEP_COST
            s -= 1
    return sorted(out)


def _closed(layout: Layout, window: list[int], size, budget: int) -> list[int]:
    """A window whose last line announces what follows (it ends in a colon)
    drops that line if what it announces does not fit."""
    c = layout.chunk
    while window and c.part_text(window[-1]).rstrip().endswith(":") and window[-1] + 1 not in window:
        if window[-1] + 1 >= len(c.parts):
            return window
        more = set(window) | layout.needs(window[-1] + 1)
        if size(more) <= budget:
            return sorted(more)
        window = window[:-1]
    return window


def _score(window: Sequence[int], parts: Sequence[PartEvidence], ask: Ask, settings: Settings, opening: bool) -> float:
    found: set[int] = set()
    for i in window:
        found |= parts[i].terms
    total = sum(ask.weights.values())
    coverage = sum(w for t, w in ask.weights.items() if t in found) / total if total else 0.0
    value = 1.0 if ask.types and any(ask.types & parts[i].kinds for i in window) else 0.0
    dense = max(parts[i].dense for i in window)
    return (
        settings.dense_weight * dense
        + settings.lexical_weight * coverage
        + settings.window_value_bonus * value
        + (settings.window_opening_bonus if opening else 0.0)
    )


def write(c: Chunk, window: list[int], limit: int) -> str:
    """The window's parts as read, with "…" where the unit goes on before or
    after; room left before ``limit`` is filled with the beginning of the part
    that follows, cut at a word."""
    if not window:
        return ""
    head = f"{ELLIPSIS} " if window[0] > 0 else ""
    nxt = window[-1] + 1
    if nxt >= len(c.parts):
        return head + render(c, window)
    text = head + render(c, [*window, nxt])
    if len(text) + 2 > limit:
        return truncate(text, limit)  # cut inside the part that follows, marked "…"
    return f"{text} {ELLIPSIS}" if nxt + 1 < len(c.parts) else text
