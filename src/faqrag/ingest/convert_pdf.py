"""A PDF to structured text: lines in reading order, headings from font size and weight.

pypdfium2 (Google's PDFium, the engine in Chrome) gives each character with its
font size, weight, font name and position, which is what telling a heading
from body text needs. The rules are about the page, not any document:

* the body size is the size most text is set in; a line set larger is a
  heading, and so is a short line wholly in bold; larger sizes are higher
  levels (bold body-size lines the lowest);
* lines join into a paragraph until a larger gap than the usual line pitch, a
  change of style, a bullet, or a short line that ends a sentence; a
  paragraph cut by a page break goes on when it had not ended;
* a line repeated at the top or bottom of most pages (a running header or
  footer) and a bare page number there are dropped;
* each block keeps the page it starts on (``Converted.pages``), so a source
  reads "... > Section (page 4)".

Content stream order is taken as reading order: right for single-column
documents; columns side by side may interleave.
"""

from __future__ import annotations

import ctypes
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from faqrag.errors import CorpusError
from faqrag.ingest.convert import Converted, Warn
from faqrag.ingest.pdf_streams import expanded_size
from faqrag.ingest.structured import Writer, clean
from faqrag.limits import MAX_EXPANDED_BYTES, mib

_BULLET = re.compile(
    r"^(?:[\u2022\u25aa\u25e6\u2023\u2043\u00b7\u25cf\u25a0\uf0b7]\s*|(?:[-\u2013\u2014*]|\(?\d{1,2}[.)]|[a-z][.)])\s+)(?=\S)"
)
_PAGE_NUMBER = re.compile(r"^(page\s*)?#+(\s*(of|/)\s*#+)?$|^[-\u2013\u2014]\s*#+\s*[-\u2013\u2014]$")
_ENDS_SENTENCE = re.compile(r"[.!?:)\"\u201d]$")
HEADING_RATIO = 1.12  # a line this much larger than the body size is a heading
MAX_HEADING_CHARS = 150


@dataclass
class _Line:
    text: str
    page: int  # 1-based
    size: float
    bold: float  # share of its letters set in bold
    x: float
    y: float  # baseline, PDF units (up is larger)
    x_end: float


def convert(raw: bytes, path: Path, warn: Warn) -> Converted | None:
    if expanded_size(raw, MAX_EXPANDED_BYTES) > MAX_EXPANDED_BYTES:
        raise CorpusError(
            f"{path}: its compressed content expands to over {mib(MAX_EXPANDED_BYTES)}, past the limit "
            "for one PDF; check the file, or split it"
        )
    import pypdfium2 as pdfium  # deferred: only PDF files need it

    try:
        pdf = pdfium.PdfDocument(raw)
    except pdfium.PdfiumError as err:
        if "password" in str(err).lower():
            raise CorpusError(
                f"{path}: the PDF is encrypted (password protected); save an unprotected copy and add that"
            ) from None
        raise CorpusError(
            f"{path}: not a readable PDF (damaged, truncated or another format); export it again"
        ) from None
    try:
        lines, empty, broken = _read_lines(pdf)
        meta = _metadata(pdf)
    finally:
        pdf.close()
    if broken:
        warn(f"{path}: page(s) {_pages(broken)} could not be read and were left out")
    if not any(line.text.strip() for line in lines):
        warn(
            f"{path}: has no text layer (a scanned PDF?); left out. "
            "Run OCR on it (for example with ocrmypdf) and add the result"
        )
        return None
    if empty:
        warn(f"{path}: page(s) {_pages(empty)} have no text (scanned images?) and were left out")
    lines = _drop_running_lines(lines)
    w = Writer()
    _write(lines, w)
    if not w.text().strip():
        return None
    return Converted(w.text(), title=meta.get("title"), date=meta.get("date"), pages=tuple(w.marks))


def _pages(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:10]))
    return shown + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")


def _metadata(pdf) -> dict[str, str]:
    try:
        info = pdf.get_metadata_dict(skip_empty=True)
    except Exception:  # metadata is a nicety; an odd info dictionary must not sink the text
        return {}
    out = {}
    if clean(info.get("Title", "")):
        out["title"] = clean(info["Title"])
    m = re.match(r"D:(\d{4})(\d{2})?(\d{2})?", info.get("ModDate") or info.get("CreationDate") or "")
    if m:
        out["date"] = "-".join(g for g in m.groups() if g)
    return out


# --------------------------------------------------------------------- lines


def _read_lines(pdf) -> tuple[list[_Line], list[int], list[int]]:
    import pypdfium2 as pdfium
    import pypdfium2.raw as c

    lines: list[_Line] = []
    empty, broken = [], []
    for number in range(len(pdf)):
        try:
            page = pdf[number]
            tp = page.get_textpage()
        except pdfium.PdfiumError:
            broken.append(number + 1)
            continue
        try:
            found = _page_lines(c, tp, number + 1)
        finally:
            tp.close()
            page.close()
        if not found:
            empty.append(number + 1)
        lines.extend(found)
    return lines, empty, broken


def _page_lines(c, tp, page: int) -> list[_Line]:
    """One page's lines: pdfium's generated line breaks, or a jump of the baseline, end a line."""
    name_buf = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    ox, oy = ctypes.c_double(), ctypes.c_double()
    out: list[_Line] = []
    acc = _LineAcc()
    for i in range(tp.count_chars()):
        u = c.FPDFText_GetUnicode(tp, i)
        if u in (10, 13):
            acc.end(out, page)
            continue
        ch = chr(u) if 0 < u < 0x110000 else " "
        if ch.isspace() or not ch.isprintable():
            acc.chars.append(" ")
            continue
        c.FPDFText_GetCharOrigin(tp, i, ctypes.byref(ox), ctypes.byref(oy))
        size = c.FPDFText_GetFontSize(tp, i)
        if acc.y is not None and abs(oy.value - acc.y) > max(size, 1.0) * 0.8:
            acc.end(out, page)  # a new line without a generated break
        if acc.y is None:
            acc.x, acc.y = ox.value, oy.value
        acc.x_end = ox.value
        acc.chars.append(ch)
        acc.sizes.append(size)
        if ch.isalpha():
            acc.letters += 1
            weight = c.FPDFText_GetFontWeight(tp, i)
            if weight >= 600 or _bold_name(c, tp, i, name_buf, flags):
                acc.bold += 1
    acc.end(out, page)
    return out


class _LineAcc:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.chars: list[str] = []
        self.sizes: list[float] = []
        self.bold = self.letters = 0
        self.x = self.x_end = 0.0
        self.y: float | None = None

    def end(self, out: list[_Line], page: int) -> None:
        text = clean("".join(self.chars))
        if text and self.y is not None:
            size = max(Counter(round(s * 2) / 2 for s in self.sizes).most_common(1)[0][0], 1.0)
            out.append(_Line(text, page, size, self.bold / max(self.letters, 1), self.x, self.y, self.x_end))
        self.reset()


def _bold_name(c, tp, i, buf, flags) -> bool:
    # Many PDF writers leave the weight out; the font's name still says "Bold".
    size = c.FPDFText_GetFontInfo(tp, i, buf, len(buf), ctypes.byref(flags))
    if not size:
        return False
    name = buf.raw[: min(size, len(buf))].split(b"\0")[0].decode("latin-1").lower()
    return any(k in name for k in ("bold", "black", "heavy", "semibold", "demi"))


def _drop_running_lines(lines: list[_Line]) -> list[_Line]:
    """Drop running headers and footers (lines at a page's top or bottom that recur
    at the same height on most pages) and bare page numbers there."""
    by_page: dict[int, list[_Line]] = {}
    for line in lines:
        by_page.setdefault(line.page, []).append(line)
    edge: dict[int, set[int]] = {}  # id(line) set per page
    counts: Counter[str] = Counter()
    for page, members in by_page.items():
        ordered = sorted(members, key=lambda ln: -ln.y)
        ends = ordered[:2] + ordered[-2:] if len(ordered) > 4 else ordered
        edge[page] = {id(ln) for ln in ends}
        counts.update({_key(ln) for ln in ends})
    need = max(2, (len(by_page) + 1) // 2)
    body = _body_size(lines)
    out = []
    for line in lines:
        # Running lines are set no larger than the text; a heading opening a page is not one.
        if id(line) in edge[line.page] and line.size <= body:
            if _PAGE_NUMBER.match(_shape(line.text)) or (len(by_page) >= 2 and counts[_key(line)] >= need):
                continue
        out.append(line)
    return out


def _body_size(lines: list[_Line]) -> float:
    """The size most of the text is set in."""
    weights: Counter[float] = Counter()
    for ln in lines:
        weights[ln.size] += len(ln.text)
    return weights.most_common(1)[0][0]


def _key(line: _Line) -> tuple[str, int]:
    # Same words (numbers aside) at the same height: a heading such as "Section 3"
    # that happens to open several pages stands at different heights.
    return _shape(line.text), round(line.y / 4)


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


# ------------------------------------------------------------------- writing


def _write(lines: list[_Line], w: Writer) -> None:  # noqa: C901  # one pass over the page's lines deciding headings, paragraphs and list items together
    if not lines:
        return
    body = _body_size(lines)
    pitches = [
        a.y - b.y
        for a, b in zip(lines, lines[1:])
        if a.page == b.page and a.size == body and b.size == body and 0 < a.y - b.y < 3 * body
    ]
    pitch = statistics.median(pitches) if pitches else body * 1.2
    right = max((ln.x_end for ln in lines if ln.size == body), default=0.0)

    def is_heading(ln: _Line) -> bool:
        symbol = _BULLET.match(ln.text) and not ln.text[0].isalnum() and ln.text[0] != "("
        if len(ln.text) > MAX_HEADING_CHARS or not any(ch.isalpha() for ch in ln.text) or symbol:
            return False
        return ln.size >= body * HEADING_RATIO or (ln.bold >= 0.9 and not ln.text.endswith((".", ",", ";")))

    big = sorted({ln.size for ln in lines if ln.size >= body * HEADING_RATIO and is_heading(ln)}, reverse=True)
    levels = {size: min(i + 1, 5) for i, size in enumerate(big)}
    bold_level = min(len(big) + 1, 6)

    page = 0
    kind = None  # heading | para | item
    cur: list = []  # heading lines, or a paragraph's text so far (one _Joined)
    cur_items: list[tuple[int, _Joined, bool]] = []
    heading_level = 0
    item_x = 0.0  # where the current list item's bullet stands
    prev: _Line | None = None

    def flush():
        nonlocal cur, cur_items, kind
        if kind == "heading":
            w.heading(heading_level, " ".join(cur))
        elif kind == "para":
            w.paragraph(cur[0].text())
        elif kind == "item":
            w.items([(depth, text.text(), ordered) for depth, text, ordered in cur_items])
        cur, cur_items, kind = [], [], None

    def start(line: _Line, new_kind: str):
        nonlocal kind, page
        flush()
        while page < line.page:  # every page up to this one starts here (blank pages too)
            w.mark()
            page += 1
        kind = new_kind

    for ln in lines:
        same_page = prev is not None and prev.page == ln.page
        gap = (prev.y - ln.y) if same_page else 0.0
        close = same_page and 0 < gap <= pitch * 1.45
        if is_heading(ln):
            level = levels.get(ln.size, bold_level)
            if kind == "heading" and level == heading_level and same_page and 0 < gap <= ln.size * 1.6:
                cur.append(ln.text)  # a heading wrapped over two lines
            else:
                start(ln, "heading")
                heading_level = level
                cur = [ln.text]
        elif _BULLET.match(ln.text):
            text = _BULLET.sub("", ln.text)
            ordered = bool(re.match(r"\(?\d", ln.text))
            if kind != "item":
                start(ln, "item")
            cur_items.append((0, _Joined(text), ordered))
            item_x = ln.x
        elif kind == "item" and cur_items and (close or not same_page) and ln.x > item_x + 1:
            cur_items[-1][1].add(ln.text, prev.x_end < right * 0.8)  # an item's wrapped line, indented under it
        else:
            ended = prev is not None and _ENDS_SENTENCE.search(prev.text) and prev.x_end < right * 0.8
            goes_on = kind == "para" and (
                close or (not same_page and prev is not None and not _ENDS_SENTENCE.search(prev.text))
            )
            if goes_on and not ended:
                # A line that stops short of the margin was ended by its author (a
                # directory line, an address): keep the break.
                cur[0].add(ln.text, prev.x_end < right * 0.8)
            else:
                start(ln, "para")
                cur = [_Joined(ln.text)]
        prev = ln
    flush()


class _Joined:
    """A paragraph's or an item's text as its lines are joined: kept as pieces
    and joined once, and the joins decided by its last two characters (a
    pattern run over the whole text so far, and a copy of it, for every line
    was quadratic in the paragraph's length)."""

    def __init__(self, first: str) -> None:
        self.pieces = [first]
        self.tail = first[-2:]

    def add(self, nxt: str, hard_break: bool) -> None:
        if hard_break:
            joint = "\n"
        elif _HYPHENATED.fullmatch(self.tail) and nxt[:1].islower():
            self.pieces[-1] = self.pieces[-1][:-1]  # a word hyphenated at the line end
            self.tail, joint = self.tail[:-1], ""
        elif _NUMBER_BROKEN.fullmatch(self.tail) and nxt[:1].isdigit():
            joint = ""  # a number broken after its hyphen
        else:
            joint = " "
        self.pieces += [joint, nxt]
        self.tail = (self.tail + joint + nxt)[-2:]

    def text(self) -> str:
        return "".join(self.pieces)


_HYPHENATED = re.compile(r"[a-z]-")
_NUMBER_BROKEN = re.compile(r"\d-")
