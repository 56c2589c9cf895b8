"""The context a part cannot be read without, and how chosen parts are written out.

A list item needs its lead-in, a code block the line introducing it, a
sentence that refers back ("Deleting it solves the problem.") the sentence it
refers to, and a line ending in a colon what it announces.
"""

from __future__ import annotations

from faqrag.records import CODE, ITEM, LEAD, SENTENCE, Chunk
from faqrag.text import leans_back


def roles_of(c: Chunk) -> tuple[tuple[str, ...], tuple[int, ...]]:
    n = len(c.parts)
    return (c.part_roles or (SENTENCE,) * n), (c.part_groups or (0,) * n)


def needs(c: Chunk, i: int, depth: int = 0) -> set[int]:
    """Part ``i`` and the parts it cannot be read without: a list item its
    lead-in, a code block the line introducing it, a sentence that refers back
    the sentence it refers to."""
    roles, groups = roles_of(c)
    out = {i}
    if roles[i] == ITEM:
        out |= {j for j in range(i) if roles[j] == LEAD and groups[j] == groups[i]}
    elif i > 0 and depth < 2 and (roles[i] == CODE or (roles[i] == SENTENCE and leans_back(c.part_text(i)))):
        out |= needs(c, i - 1, depth + 1)
    # A line ending in a colon announces what follows ("Run the following command:").
    if roles[i] != ITEM and c.part_text(i).rstrip().endswith(":") and i + 1 < len(c.parts) and depth < 2:
        out.add(i + 1)
        if roles[i + 1] in (ITEM, LEAD):  # the announced list or table, whole
            out |= {j for j in range(len(c.parts)) if groups[j] == groups[i + 1]}
    return out


def with_context(c: Chunk, ranking: list[int], limit: int, grow: bool = False) -> list[int]:  # noqa: C901  # one decision per kind of part (item, step, code, line, sentence); split, the order of the checks would hide
    """The best part with the context it needs; a list whole when it fits (steps
    stay in order); a short answer with the part that follows it in its block.
    ``grow``: keep adding parts in ``ranking`` order while they fit (a unit's
    opening, read in order)."""
    roles, groups = roles_of(c)
    best = ranking[0]
    chosen = needs(c, best)

    def size(parts: set[int]) -> int:
        return sum(c.parts[i][1] - c.parts[i][0] + 3 for i in parts)

    if grow:
        for j in ranking[1:]:
            more = chosen | needs(c, j)
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
                more = chosen | needs(c, j)
                if size(more) <= limit:
                    chosen = more
                    break
    return sorted(chosen)


def render(c: Chunk, parts: list[int]) -> str:
    roles, groups = roles_of(c)
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
