"""The context a part cannot be read without, and how chosen parts are written out.

A list item needs its lead-in, a code block the line introducing it, a
sentence that refers back ("Deleting it solves the problem.") the sentence it
refers to, and a line ending in a colon what it announces.
"""

from __future__ import annotations

from faqrag.records import CODE, ITEM, LEAD, SENTENCE, Chunk
from faqrag.text import leans_back

MAX_MARK_CHARS = 6  # "12.", "iv)", "(a)": longer text before an item is not its mark


def roles_of(c: Chunk) -> tuple[tuple[str, ...], tuple[int, ...]]:
    n = len(c.parts)
    return (c.part_roles or (SENTENCE,) * n), (c.part_groups or (0,) * n)


class Layout:
    """A unit's part roles and groups, read once: a window search asks what each
    of its parts needs many times, and a unit may have thousands of parts."""

    def __init__(self, c: Chunk) -> None:
        self.chunk = c
        self.roles, self.groups = roles_of(c)
        self.leads: dict[int, list[int]] = {}
        self.members: dict[int, list[int]] = {}
        for j, (role, group) in enumerate(zip(self.roles, self.groups)):
            self.members.setdefault(group, []).append(j)
            if role == LEAD:
                self.leads.setdefault(group, []).append(j)

    def needs(self, i: int, depth: int = 0) -> set[int]:
        """Part ``i`` and the parts it cannot be read without: a list item its
        lead-in, a code block the line introducing it, a sentence that refers back
        the sentence it refers to."""
        c, roles, groups = self.chunk, self.roles, self.groups
        out = {i}
        if roles[i] == ITEM:
            out |= {j for j in self.leads.get(groups[i], ()) if j < i}
        elif i > 0 and depth < 2 and (roles[i] == CODE or (roles[i] == SENTENCE and leans_back(c.part_text(i)))):
            out |= self.needs(i - 1, depth + 1)
        # A line ending in a colon announces what follows ("Run the following command:").
        if roles[i] != ITEM and c.part_text(i).rstrip().endswith(":") and i + 1 < len(c.parts) and depth < 2:
            out.add(i + 1)
            if roles[i + 1] in (ITEM, LEAD):  # the announced list or table, whole
                out |= set(self.members[groups[i + 1]])
        return out


def mark_of(c: Chunk, i: int) -> str:
    """List item ``i``'s mark as its unit writes it: a step's number ("3.") or a bullet."""
    s = c.parts[i][0]
    mark = c.text[c.text.rfind("\n", 0, s) + 1 : s].strip()
    return mark if 0 < len(mark) <= MAX_MARK_CHARS else "\u2022"


def render(c: Chunk, parts: list[int]) -> str:
    roles, groups = roles_of(c)
    out = ""
    prev = None
    for i in parts:
        piece = (f"{mark_of(c, i)} " if roles[i] == ITEM else "") + c.part_text(i)
        if prev is None:
            out = piece
        elif roles[i] == SENTENCE and roles[prev] == SENTENCE and groups[i] == groups[prev]:
            out += (" " if i == prev + 1 else " \u2026 ") + piece
        else:
            out += "\n" + piece
        prev = i
    return out
