"""Markdown's inline syntax, found on one line: code spans, emphasis, images, tags, links.

Part of ``markdown_prep``: it finds what the rendered page does not show
(emphasis delimiters, escapes' backslashes, images, icon shortcodes, footnote
marks, tags, attribute lists, reference-link brackets) and blanks it in a
line's characters, leaving code spans exactly as written. Every pattern stops at
the next character that could open another of its kind, and emphasis pairs
delimiters with a stack, so a line is read in time linear in its length.
"""

from __future__ import annotations

import re

BLANK = "\x1f"  # see markdown_prep: white space to every reader of lines, dropped by the line reader

_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)(?=[\s/>])[^<>\n]*>")
_INLINE_TAGS = frozenset(
    "a abbr b bdi bdo cite code data del dfn em i ins kbd mark q s samp small span strong sub sup time u var".split()
)
_ATTRIBUTES = re.compile(r"\{[^{}\n]*\}")
_ICON = re.compile(r":(?:fontawesome|octicons|material|simple|fa|md)-[\w-]+:")
# No pattern's run may cross its own opening character again ("[", "("), so a
# line of a thousand "![" tries each opening once, to the next one.
_IMAGE = re.compile(r"!\[[^\[\]\n]*\](?:\([^()\n]*\)|\[[^\[\]\n]*\])")
_LINKED_IMAGE = re.compile(r"\[ ?!\[[^\[\]\n]*\](?:\([^()\n]*\)|\[[^\[\]\n]*\]) ?\](?:\([^()\n]*\)|\[[^\[\]\n]*\])")
_REF_LINK = re.compile(r"\[([^\[\]\n]+)\](?:\[([^\[\]\n]*)\])?(?![(:])")
_FOOTNOTE_REF = re.compile(r"\[\^[^\[\]\n]+\]")
_ATTRIBUTE_BODY = re.compile(r"^\s*:?\s*(?:[#.][\w-]|[\w-]+=)")


def code_spans(line: str) -> list[tuple[int, int]]:
    """Inline code spans of one line (CommonMark: a run of n backticks up to the next
    run of exactly n), found in one pass: each run length keeps a pointer to its
    next run, which only moves forward."""
    runs = [(m.start(), m.end()) for m in re.finditer(r"`+", line)] if "`" in line else []
    by_length: dict[int, list[int]] = {}
    for i, (s, e) in enumerate(runs):
        by_length.setdefault(e - s, []).append(i)
    next_of = {n: 0 for n in by_length}
    spans = []
    i = 0
    while i < len(runs):
        s, e = runs[i]
        same = by_length[e - s]
        k = next_of[e - s]
        while k < len(same) and same[k] <= i:
            k += 1
        next_of[e - s] = k
        if k == len(same):
            i += 1
            continue
        close = same[k]
        spans.append((s, runs[close][1]))
        i = close + 1
    return spans


class _Line:
    """One line's characters, its code spans protected: blanked in place, read masked."""

    def __init__(self, chars: list[str]) -> None:
        self.chars = chars
        self.protected = [False] * len(chars)
        line = "".join(chars)
        for s, e in code_spans(line) if "`" in line else []:
            self.protected[s:e] = [True] * (e - s)

    def blank(self, start: int, end: int, fill: str = BLANK) -> None:
        for i in range(start, end):
            if not self.protected[i]:
                self.chars[i] = fill

    def masked(self) -> str:
        """The line as blanked so far, code read as letters (so "[`pip`][pip]" is still a link)."""
        return "".join("x" if p else c for p, c in zip(self.protected, self.chars))


def blank_inline(chars: list[str], refs: frozenset[str]) -> None:
    """Blank one line's inline syntax (outside code spans) in ``chars``; ``refs``: the
    labels that reference-style link definitions name."""
    if not any(c in "<{[:!*_\\" for c in chars):
        return
    line = _Line(chars)
    for i in _emphasis(line.masked()):
        line.blank(i, i + 1)
    masked = line.masked()
    for pattern in (_LINKED_IMAGE, _IMAGE, _ICON, _FOOTNOTE_REF):
        for m in pattern.finditer(masked):
            line.blank(m.start(), m.end())
    masked = line.masked()
    for m in _TAG.finditer(masked):
        line.blank(m.start(), m.end())
        if m.group(1).lower() not in _INLINE_TAGS:
            line.blank(m.start(), m.start() + 1, " ")  # a block tag or <br> parts words
    for m in _ATTRIBUTES.finditer(masked):
        if _ATTRIBUTE_BODY.match(m.group(0)[1:]):
            line.blank(m.start(), m.end())
    _blank_reference_links(line, masked, refs)


def _blank_reference_links(line: _Line, masked: str, refs: frozenset[str]) -> None:
    """``[text][label]``, ``[text][]`` and ``[text]`` (when a definition names it) read as ``text``."""
    for m in _REF_LINK.finditer(masked):
        label = m.group(2) if m.group(2) else m.group(1)
        if m.group(2) is None and " ".join(label.split()).casefold() not in refs:
            continue
        line.blank(m.start(), m.start() + 1)
        line.blank(m.end(1), m.end())


_DELIMITER = re.compile(r"\\[!-/:-@\[-`{-~]|\*+|_+")
_CLOSES_BEFORE = frozenset(",;:!?)]}\"'*_\u2019\u201d")


def _emphasis(s: str) -> list[int]:
    """Where the delimiters of Markdown emphasis (``**bold**``, ``_em_``,
    ``__strong__``) and the backslashes of escapes are, to blank them.

    Stricter than CommonMark on purpose, because an answer must never change a
    name or a number: a delimiter run opens only after a non-alphanumeric
    character and closes only before one (not before a "." that goes on with a
    letter, as in ``__init__.py``), so ``2**10 = 1024 and 3**2``,
    ``snake_case_names``, URLs and footnote stars stay as written. Openers and
    closers are paired with a stack per character: linear.
    """
    if "*" not in s and "_" not in s and "\\" not in s:
        return []
    out: list[int] = []
    stacks: dict[str, list[list[int]]] = {"*": [], "_": []}  # openers: [start, count left]
    for m in _DELIMITER.finditer(s):
        start, end = m.span()
        run = m.group(0)
        if run[0] == "\\":
            out.append(start)  # an escaped character is itself, never a delimiter
            continue
        before = s[start - 1] if start else " "
        after = s[end] if end < len(s) else " "
        opens = not after.isspace() and not before.isalnum()
        closes = not before.isspace() and _may_close(s, end)
        stack = stacks[run[0]]
        left = len(run)
        if closes and stack:
            opener = stack[-1]
            n = min(opener[1], left)
            # The innermost delimiters pair: the opener's last n, the closer's first n.
            out.extend(range(opener[0] + opener[1] - n, opener[0] + opener[1]))
            out.extend(range(start, start + n))
            opener[1] -= n
            left -= n
            start += n
            if not opener[1]:
                stack.pop()
        if opens and left:
            stack.append([start, left])
    return out


def _may_close(s: str, end: int) -> bool:
    if end >= len(s) or s[end].isspace() or s[end] in _CLOSES_BEFORE:
        return True
    if s[end] == ".":
        return end + 1 >= len(s) or not s[end + 1].isalnum()
    return False
