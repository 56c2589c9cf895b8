"""Structured plain text: what every format converter writes.

Converters (HTML, PDF, DOCX) do not build blocks themselves. They write the
small Markdown subset that ``parse.parse_guide(markdown=True, structured=True)`` reads:
``#`` headings, ``- `` / ``1. `` list items after their lead-in line, one
``Label: value`` line per directory entry, a question line followed by its
answer, blank lines between blocks. That text becomes the document's text, so
spans, "show the answer in its place" and incremental builds work the same for
every format, and the parser stays the one place that decides what a block is.
"""

from __future__ import annotations

import re

from faqrag.limits import MAX_SHARED_CHARS
from faqrag.text import truncate

_SPACE = re.compile(r"[ \t\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
# Lines the Markdown reader would take for structure they are not: a rule of
# dashes or equals signs (a setext underline) or a code fence.
_RULE = re.compile(r"^\s*(=+|-+|\*+|_+)\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str) -> str:
    """One line of running text: white space collapsed, control characters gone."""
    return _SPACE.sub(" ", _CONTROL.sub("", text.replace("\r", " ").replace("\n", " "))).strip()


_ANCHOR_MARKS = "#\u00b6\u00a7\U0001f517 "  # what a heading's permalink shows: #, pilcrow, section sign, link


def heading_text(text: str) -> str:
    """A heading's words, without the permalink mark a generator puts after them ("FAQ¶", "Setup#")."""
    return clean(text).rstrip(_ANCHOR_MARKS).strip()


class Writer:
    """Builds the structured text block by block; ``mark()`` records where a page starts."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self.marks: list[int] = []  # text offset where each marked unit (a PDF page) begins

    def _block(self, text: str) -> None:
        if not text.strip():
            return
        if self._parts:
            self._parts.append("\n\n")
            self._length += 2
        self._parts.append(text)
        self._length += len(text)

    def mark(self) -> None:
        """The next block starts a new page (offset is where it will begin)."""
        self.marks.append(self._length + (2 if self._parts else 0))

    def heading(self, level: int, text: str) -> None:
        text = heading_text(text)
        if text:
            self._block("#" * max(1, min(level, 6)) + " " + text)

    def paragraph(self, text: str) -> None:
        """Running text; line breaks inside it (``<br>``, a soft return) are kept as lines."""
        lines = [clean(line) for line in text.split("\n")]
        lines = [_FENCE.sub("", line).strip() for line in lines if line and not _RULE.match(line)]
        lines = [line for line in lines if line]
        if lines:
            self._block("\n".join(lines))

    def items(self, items: list[tuple]) -> None:
        """List items as (depth, text, ordered) or (depth, text, ordered, number shown);
        without a number, an ordered item counts on from the one before it."""
        out: list[str] = []
        number: list[int] = []  # the count so far at each depth up to this item's
        for depth, text, ordered, *shown in items:
            text = clean(text)
            if not text:
                continue
            # Deeper counts end with this item; a list is cut, not rebuilt (quadratic in the depth).
            del number[depth + 1 :]
            number.extend([0] * (depth + 1 - len(number)))
            number[depth] = shown[0] if shown and shown[0] is not None else number[depth] + 1
            marker = f"{number[depth]}." if ordered and 0 <= number[depth] < 100 else "-"
            out.append("  " * min(depth, 4) + f"{marker} {text}")
        if out:
            self._block("\n".join(out))

    def code(self, text: str) -> None:
        body = "\n".join(line.rstrip() for line in text.strip("\n").split("\n") if not _FENCE.match(line))
        if body.strip():
            self._block("```\n" + body + "\n```")

    def table(self, rows: list[list[str]], header: list[str] | None) -> None:
        """Each row keeps its column headers: ``Header: value | Header: value``.

        Without headers, a two-column table is a directory (``key: value``) and
        any other is one line per row, its cells joined by ``|``.
        """
        lines = []
        # Column names are repeated in every row: as long as a repeated text may be, once cleaned.
        names = [truncate(clean(h).rstrip(":").strip(), MAX_SHARED_CHARS) for h in header or ()]
        for row in rows:
            cells = [clean(c) for c in row]
            if not any(cells):
                continue
            if header and len(header) >= 2:
                pairs = [(h, c) for h, c in zip(names, cells) if c]
                line = " | ".join(f"{h}: {c}" if h else c for h, c in pairs)
            elif len(cells) == 2 and cells[0] and cells[1]:
                line = f"{cells[0].rstrip(':').strip()}: {cells[1]}"
            else:
                line = " | ".join(c for c in cells if c)
            lines.append(line)
        # A directory is one block of lines; other rows are blocks of their own so
        # the reader does not join them into one paragraph.
        if all(_is_entry(line) for line in lines):
            self._block("\n".join(lines))
        else:
            for line in lines:
                self._block(line)

    def text(self) -> str:
        return "".join(self._parts) + ("\n" if self._parts else "")


def _is_entry(line: str) -> bool:
    head, sep, _ = line.partition(":")
    return bool(sep) and 0 < len(head) <= 60


def block_counts(blocks) -> str:
    """'12 passages, 1 list, 10 FAQ pairs, 40 directory entries': what a document gave, for the build log."""
    counts: dict[str, int] = {}
    for b in blocks:
        counts[b.kind] = counts.get(b.kind, 0) + 1
    names = {"passage": "passage", "list": "list", "faq": "FAQ pair", "entry": "directory entr"}
    plural = {"entry": ("y", "ies")}

    def named(k: str) -> str:
        one, many = plural.get(k, ("", "s"))
        return f"{counts[k]} {names[k]}{one if counts[k] == 1 else many}"

    return ", ".join(named(k) for k in names if k in counts) or "no blocks"
