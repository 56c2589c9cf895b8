"""Removing what a page marks as not content, in time linear in the page (convert_html.py's rules).

A rule's matches are found first (selectors run in lexbor), then one walk from
the content root removes each match with its subtree and never enters a
removed one: removing a match and then visiting its descendants read freed
nodes, and asking each match whether it sits inside an article (walking up,
comparing nodes with ``==``, which serialises both subtrees) was cubic on
nested elements. Nodes are told apart by ``mem_id``, never by ``==``.

Link menus are told by each list's share of link text (``only_links``), from
lengths summed once bottom-up: ``li.text()`` for every item of every list
costs the square of the nesting, or its cube.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# What structured.clean() collapses to one space, and what it removes.
_SPACE = re.compile(r"[ \t\f\v\r\n\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def same(a, b) -> bool:
    """Whether two lexbor nodes are the same node (``==`` compares their serialised HTML)."""
    return a is not None and b is not None and a.mem_id == b.mem_id


def prune(root, drop: Callable[[object, bool], bool], marks: frozenset[str] = frozenset()) -> None:
    """Remove every element under ``root`` for which ``drop(node, inside)`` holds,
    with its subtree; ``inside``: whether ``root`` or an element between it and
    the node has a tag in ``marks``."""
    stack = [(root, root.tag in marks)]
    while stack:
        node, inside = stack.pop()
        for child in list(node.iter()):
            if child.tag.startswith("-"):
                continue  # a comment
            if drop(child, inside):
                child.decompose()
            else:
                stack.append((child, inside or child.tag in marks))


@dataclass
class _Run:
    """The length ``clean()`` gives a text, in a form two texts' can be added in:
    characters outside white space, the runs they form, and whether the text
    starts or ends inside a run."""

    chars: int = 0
    runs: int = 0
    starts: bool = False
    ends: bool = False

    @classmethod
    def of(cls, text: str) -> _Run:
        text = _CONTROL.sub("", text)
        words = _SPACE.split(text)
        chars = sum(len(w) for w in words)
        if not chars:
            return cls()
        return cls(chars, sum(1 for w in words if w), bool(words[0]), bool(words[-1]))

    def __add__(self, other: _Run) -> _Run:
        if not self.chars:
            return other
        if not other.chars:
            return self
        joined = self.ends and other.starts  # "ab" + "cd": one run, not two
        return _Run(self.chars + other.chars, self.runs + other.runs - joined, self.starts, other.ends)

    def spaced(self, other: _Run) -> _Run:
        """``self`` and ``other`` joined by a space (as " ".join puts between links' texts)."""
        if not self.chars or not other.chars:
            return self + other
        return _Run(self.chars + other.chars, self.runs + other.runs, self.starts, other.ends)

    def length(self) -> int:
        return self.chars + max(self.runs - 1, 0)


def only_links(root, lists: str = "ul, ol", share: float = 0.9, least: int = 3) -> set[int]:
    """The ``mem_id`` of each list under ``root`` with at least ``least`` items, every
    one of them text that is ``share`` or more link text (a menu)."""
    wanted = {n.mem_id for n in root.css(lists)}
    if not wanted:
        return set()
    found: set[int] = set()
    # Post-order, by hand: each element's text and link text, summed from its children's.
    text: dict[int, _Run] = {}
    links: dict[int, _Run | None] = {}
    items: dict[int, tuple[int, bool]] = {}  # li below it: how many, and whether each is only links
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        kids = [c for c in node.iter(include_text=True) if c.tag != "-comment"]
        if not done:
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(kids) if c.tag != "-text")
            continue
        t, lk, count, every = _Run(), None, 0, True
        for c in kids:
            if c.tag == "-text":
                t = t + _Run.of(c.text_content or "")
                continue
            key = c.mem_id
            t = t + text.pop(key)
            sub = links.pop(key)
            if sub is not None:
                lk = sub if lk is None else lk.spaced(sub)
            n, all_links = items.pop(key)
            count, every = count + n, every and all_links
        key = node.mem_id
        if node.tag == "a":
            lk = t
        if node.tag == "li":
            length = t.length()
            is_link = bool(length) and (lk.length() if lk else 0) >= share * length
            count, every = count + 1, every and is_link
        text[key], links[key], items[key] = t, lk, (count, every)
        if key in wanted and count >= least and every:
            found.add(key)
    return found
