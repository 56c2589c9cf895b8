"""Walking a page's main content once, writing its blocks (the body of convert_html.py).

Headings give the heading trail; paragraphs, lists with their lead-in, tables
with each cell's column header, ``<dl>`` terms, ``<details>``/``<summary>`` and
question headings become the structured text that the guide parser reads.
"""

from __future__ import annotations

import re

from faqrag.ingest.html_cms import header_like, list_numbers
from faqrag.ingest.html_prune import same
from faqrag.ingest.structured import Writer, clean, heading_text

MAX_DEPTH = 200  # deeper than any real page; past it a subtree is read as plain text
_BLOCK = frozenset(
    "address article blockquote body center dd details dialog div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hgroup hr li main ol p pre section summary table tbody td tfoot th "
    "thead tr ul caption".split()
)
_HEADING = {f"h{i}": i for i in range(1, 7)}
_SOURCE_BREAK = re.compile(r"[\r\n]+")


class Walker:
    """Walks the content tree once, writing blocks; inline text collects until a block ends it."""

    def __init__(self, pseudo: dict[int, int] | None = None) -> None:
        self.pseudo = pseudo or {}  # paragraphs that read as headings (html_cms.py): mem_id -> level
        self.out = Writer()
        self.buf: list[str] = []
        self.h1: str | None = None
        self.top_level = 1
        self.seen: list[str] = []
        self._levels: list[int] = []

    def flush(self) -> None:
        text = "".join(self.buf)
        self.buf = []
        if text.strip():
            self.out.paragraph(text)
            self.seen.append(text)

    def walk(self, node, depth: int) -> None:
        if depth > MAX_DEPTH:
            self.buf.append(" " + (node.text(separator=" ") or "") + " ")
            return
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                # Line ends in HTML source are spaces; only <br> breaks a line.
                self.buf.append(_SOURCE_BREAK.sub(" ", child.text_content or ""))
            elif tag == "br":
                self.buf.append("\n")
            elif tag in ("-comment", "-doctype"):
                continue
            elif tag in _BLOCK:
                self.flush()
                self.block(child, depth + 1)
            else:
                self.walk(child, depth + 1)  # inline: its text joins the paragraph

    def block(self, node, depth: int) -> None:
        tag = node.tag
        if tag in _HEADING or node.mem_id in self.pseudo:
            text = heading_text(text_of(node))
            if text:
                level = _HEADING.get(tag) or self.pseudo[node.mem_id]
                if tag == "h1" and self.h1 is None:
                    self.h1 = text
                self.out.heading(level, text)
                self.seen.append(text)
                self._levels.append(level)
                self.top_level = min(self._levels)
            return
        if tag in ("ul", "ol"):
            items: list[tuple[int, str, bool]] = []
            self._list(node, 0, items)
            self.out.items(items)
            self.seen.extend(item[1] for item in items)
            return
        if tag == "table":
            self._table(node, depth)
            return
        if tag == "dl":
            self._dl(node, depth)
            return
        if tag == "details":
            self._details(node, depth)
            return
        if tag == "pre":
            self.out.code(node.text(deep=True) or "")
            return
        if tag == "hr":
            return
        self.walk(node, depth)
        self.flush()

    def _list(self, node, level: int, items) -> None:
        """The items of a list and of the lists nested in it, depth first, by a loop:
        lists nested a thousand deep (well within MAX_NESTING) overflowed the recursion."""
        # Each frame: the children still to read, whether they are an <ol>'s, their level,
        # and the list's own numbers (start, reversed, <li value>). A frame of nested
        # lists (ordered None) holds the lists under one item.
        todo = [(iter(node.iter()), node.tag == "ol", level, _numbers(node))]
        while todo:
            children, ordered, lv, numbers = todo[-1]
            child = next(children, None)
            if child is None:
                todo.pop()
            elif child.tag in ("ul", "ol"):  # a list under an item, or nested without its <li>
                todo.append((iter(child.iter()), child.tag == "ol", lv + 1, _numbers(child)))
            elif child.tag == "li":
                items.append((lv, text_of(child, skip=("ul", "ol")), ordered, numbers.get(child.mem_id)))
                todo.append((iter([c for c in child.iter() if c.tag in ("ul", "ol")]), None, lv, {}))

    def _table(self, node, depth: int) -> None:
        rows = _rows(node)
        if any(not same(n, node) for n in node.css("table, ul, ol, h1, h2, h3, h4, h5, h6, p + p")):
            # A layout table (cells holding structure): read its cells as blocks.
            for tr in rows:
                for cell in tr.iter():
                    if cell.tag in ("td", "th"):
                        self.walk(cell, depth + 1)
                        self.flush()
            return
        grid = [[clean(text_of(c)) for c in tr.iter() if c.tag in ("td", "th")] for tr in rows]
        grid = [r for r in grid if any(r)]
        if not grid:
            return
        caption = node.css_first("caption")
        if caption is not None and clean(caption.text()):
            self.out.paragraph(clean(caption.text()) + ":")
        first = [c for c in rows[0].iter() if c.tag in ("td", "th")] if rows else []
        has_header = (
            node.css_first("thead") is not None
            or (first and all(c.tag == "th" for c in first))
            or header_like(first, grid[1:])  # a CMS's table: a first row of <td> that names the columns
        )
        header = grid[0] if has_header and len(grid) > 1 else None
        body = grid[1:] if header else grid
        self.out.table(body, header)
        self.seen.extend(" ".join(r) for r in grid)

    def _dl(self, node, depth: int) -> None:
        term, defs, dds = None, [], []
        children = [c for c in node.css("dt, dd") if same(_nearest(c, "dl"), node)]
        terms = [clean(text_of(c)) for c in children if c.tag == "dt"]
        faq_list = bool(terms) and all(t.endswith("?") for t in terms)

        def emit():
            if term is None and not defs:
                return
            answer = " ".join(defs)
            if faq_list:
                # A list of questions: each heads its answers, which keep their lists and
                # code, and a question of two sentences ("... UDP loss. Why?") stays one.
                self.out.heading(min((self._levels[-1] if self._levels else 1) + 1, 6), term or "")
                for dd in dds:
                    self.walk(dd, depth + 1)
                    self.flush()
            elif term and term.endswith("?"):
                self.out.paragraph(term)
                self.out.paragraph(answer)
            elif term and answer:
                self.out.paragraph(f"{term.rstrip(':')}: {answer}")
            else:
                self.out.paragraph(term or answer)
            self.seen.append(f"{term or ''} {answer}")

        for child in children:
            text = clean(text_of(child))
            if child.tag == "dt":
                if defs or term is not None:
                    emit()
                term, defs, dds = text, [], []
            elif text:
                defs.append(text)
                dds.append(child)
        emit()

    def _details(self, node, depth: int) -> None:
        summary = node.css_first("summary")
        question = clean(text_of(summary)) if summary is not None else ""
        if summary is not None:
            summary.decompose()
        if question:
            if question.endswith("?"):
                self.out.paragraph(question)
            else:
                level = min((self._levels[-1] if self._levels else 1) + 1, 6)
                self.out.heading(level, question)
            self.seen.append(question)
        self.walk(node, depth)
        self.flush()


def text_of(node, depth: int = 0, skip: tuple[str, ...] = ()) -> str:
    """A subtree's text with spaces where blocks and line breaks part it, not inside words.
    (``skip``: tags of the node's own children to leave out.) A loop, not recursion:
    each level joined its children's text again, so deep nesting copied it once a level."""
    out: list[str] = []
    # Each frame: the children still to read, their depth, and what closes the frame.
    todo = [(node.iter(include_text=True), depth, "")]
    while todo:
        children, d, close = todo[-1]
        c = next(children, None)
        if c is None:
            todo.pop()
            out.append(close)
            continue
        tag = c.tag
        if tag == "-text":
            out.append(c.text_content or "")
        elif tag == "br":
            out.append(" ")
        elif tag.startswith("-") or (len(todo) == 1 and tag in skip):
            continue
        elif d > MAX_DEPTH:
            out.append(" " + (c.text(separator=" ") or "") + " ")
        elif tag in _BLOCK:
            out.append(" ")
            todo.append((c.iter(include_text=True), d + 1, " "))
        else:
            todo.append((c.iter(include_text=True), d + 1, ""))
    return "".join(out)


def _numbers(node) -> dict:
    return list_numbers(node) if node.tag == "ol" else {}


def _rows(table) -> list:
    """A table's own rows (not those of a table inside it), in order: the parser puts
    each under the table or one of its head, body or foot sections. (Selecting every
    row below and keeping those whose nearest table is this one cost each level of
    nested tables all the rows below it.)"""
    rows = []
    for child in table.iter():
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows.extend(tr for tr in child.iter() if tr.tag == "tr")
    return rows


def _nearest(node, tag: str):
    p = node.parent
    while p is not None and p.tag != tag:
        p = p.parent
    return p
