"""A Word document (.docx) to structured text, with python-docx.

python-docx reads the document's XML with its styles, so structure comes from
what the author chose rather than from appearance:

* ``Title`` and ``Heading 1``-``Heading 9`` styles (and a paragraph outline
  level) are headings; a short paragraph wholly in bold is a heading one level
  below the last styled one (or, ending in "?", a question);
* ``List ...`` styles and numbered paragraphs are list items, nested by their
  level; a ``List Number`` style counts;
* tables keep each cell's column header (``Header: value``), merged cells
  once; a two-column table without a header row is a directory;
* content controls are read through; page headers and footers are not
  content and are left out;
* title and last-modified date come from the document's core properties.

A .docx is a zip of XML: before python-docx opens it, the archive is checked
so that a damaged file or one that expands to an outsized XML is an error, not
a hang.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from faqrag.errors import CorpusError
from faqrag.ingest.convert import Converted, Warn
from faqrag.ingest.structured import Writer, clean
from faqrag.limits import MAX_EXPANDED_BYTES, MAX_SHARED_CHARS
from faqrag.text import truncate

MAX_XML_BYTES = (
    MAX_EXPANDED_BYTES  # all parts uncompressed (zipfile holds each to its stated size); real ones are a few MB
)
_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.I)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def convert(raw: bytes, path: Path, warn: Warn) -> Converted:
    _check_archive(raw, path)
    import docx  # deferred: only .docx files need it
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(raw))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile):
        raise CorpusError(f"{path}: not a Word document (.docx); save it from Word as .docx") from None
    except Exception as err:  # lxml's XMLSyntaxError and kin: the XML inside is damaged
        raise CorpusError(f"{path}: the document's XML is damaged ({type(err).__name__}); save it again") from None
    w = Writer()
    try:
        _Body(document, w).write(document.element.body)
    except RecursionError:
        raise CorpusError(f"{path}: the document is nested too deeply to read; save it again") from None
    props = document.core_properties
    title = clean(props.title or "") or None
    when = props.modified or props.created
    return Converted(w.text(), title=title, date=when.date().isoformat() if when else None)


def _check_archive(raw: bytes, path: Path) -> None:
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise CorpusError(f"{path}: a Word 97-2003 document (.doc), not .docx; open it in Word and save it as .docx")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            infos = z.infolist()
            total = sum(i.file_size for i in infos)
            if "word/document.xml" not in {i.filename for i in infos}:
                raise CorpusError(
                    f"{path}: a zip file but not a Word document (no word/document.xml); save it as .docx"
                )
            if total > MAX_XML_BYTES:
                raise CorpusError(
                    f"{path}: expands to {total // (1024 * 1024)} MiB of XML, over the "
                    f"{MAX_XML_BYTES // (1024 * 1024)} MiB limit; check the file or split it"
                )
            bad = z.testzip()
            if bad is not None:
                raise CorpusError(f"{path}: the archive is damaged ({bad} fails its check); save it again")
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, OSError):
        raise CorpusError(
            f"{path}: not a Word document (.docx is a zip archive; this file is not one or is truncated); "
            "save it from Word as .docx"
        ) from None


class _Body:
    def __init__(self, document, w: Writer) -> None:
        self.document = document
        self.w = w
        self.level = 1  # last styled heading level
        self.items: list[tuple[int, str, bool]] = []
        self.styles = _Styles(document)

    def write(self, body) -> None:
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        for el in body.iterchildren():
            tag = el.tag
            if tag == f"{_W}p":
                self.paragraph(Paragraph(el, self.document))
            elif tag == f"{_W}tbl":
                self.flush_items()
                self.table(Table(el, self.document))
            elif tag == f"{_W}sdt":
                content = el.find(f"{_W}sdtContent")
                if content is not None:
                    self.write(content)
        self.flush_items()

    def flush_items(self) -> None:
        if self.items:
            self.w.items(self.items)
            self.items = []

    def paragraph(self, p) -> None:
        text = p.text or ""
        if not text.strip():
            return
        style, style_bold = self.styles.of(p)
        level = _heading_level(p, style)
        list_level = _list_level(p, style)
        if level is None and list_level is None and _all_bold(p, style_bold) and _short_line(text):
            if clean(text).endswith("?"):
                self.flush_items()
                self.w.paragraph(text)
                return
            level = min(self.level + 1, 6)
        elif level is not None:
            self.level = level
        if level is not None:
            self.flush_items()
            self.w.heading(level, text)
        elif list_level is not None:
            self.items.append((list_level, text, style.lower().startswith("list number")))
        else:
            self.flush_items()
            self.w.paragraph(text.replace("\t", " "))

    def table(self, table) -> None:
        rows = _rows(table)
        grid = [[text for _, text in row] for row in rows]
        grid = [r for r in grid if any(r)]
        if not grid:
            return
        header = grid[0] if len(grid) > 1 and _header_row(table, [tc for tc, _ in rows[0]]) else None
        self.w.table(grid[1:] if header else grid, header)


class _Styles:
    """Paragraph styles by id, each read once: python-docx finds a paragraph's style
    by scanning every style of the document (quadratic in a document with many)."""

    def __init__(self, document) -> None:
        from docx.enum.style import WD_STYLE_TYPE

        self._paragraph = WD_STYLE_TYPE.PARAGRAPH
        self._by_id: dict[str, object] = {}
        self._default = None
        self._read: dict[int, tuple[str, bool]] = {}
        for s in document.styles.element.iterchildren(f"{_W}style"):
            self._by_id.setdefault(s.styleId, s)  # the first of an id, as python-docx finds it
            if s.type == self._paragraph and s.default:
                self._default = s  # the last default, as the standard says

    def of(self, p) -> tuple[str, bool]:
        """The paragraph's style name and whether the style sets bold (python-docx's
        ``p.style.name`` and ``p.style.font.bold``)."""
        from docx.styles.style import StyleFactory

        style_id = p._p.style
        s = self._by_id.get(style_id) if style_id else None
        if s is None or s.type != self._paragraph:
            s = self._default
        if s is None:
            return "", False
        if id(s) not in self._read:
            style = StyleFactory(s)
            self._read[id(s)] = (style.name or "", bool(style.font is not None and style.font.bold))
        return self._read[id(s)]


def _rows(table) -> list[list[tuple[object, str]]]:
    """Each row's cells as (cell element, text), a cell merged across columns once.

    A cell merged down from the row above repeats that cell's text (cut to
    MAX_SHARED_CHARS, as any repeated text is). python-docx finds the cell above
    by recursion through every row above, which was quadratic in a long merge
    and overflowed past a thousand rows; here the cells above are kept by
    their column.
    """
    from docx.table import _Cell

    above: dict[int, tuple[object, str]] = {}  # grid column -> the cell starting there in the row above
    out = []
    for tr in table._tbl.tr_lst:
        row, offset = [], tr.grid_before
        for tc in tr.tc_lst:
            if tc.vMerge == "continue" and offset in above:
                cell, text = above[offset][0], truncate(above[offset][1], MAX_SHARED_CHARS)
            else:
                cell, text = tc, clean(_Cell(tc, table).text)
            above[offset] = (cell, text)
            if not row or row[-1][0] is not cell:
                row.append((cell, text))
            offset += max(tc.grid_span, 1)
        out.append(row)
    return out


def _heading_level(p, style: str) -> int | None:
    if style.lower() == "title":
        return 1
    m = _HEADING_STYLE.match(style)
    if m:
        return min(int(m.group(1)), 6)
    ppr = p._p.pPr
    lvl = ppr.find(f"{_W}outlineLvl") if ppr is not None else None
    if lvl is not None:
        try:
            value = int(lvl.get(f"{_W}val"))
        except (TypeError, ValueError):
            return None
        return min(value + 1, 6) if value < 9 else None  # 9 is "body text"
    return None


def _list_level(p, style: str) -> int | None:
    ppr = p._p.pPr
    num = ppr.numPr if ppr is not None else None
    if num is not None and num.numId is not None and num.numId.val != 0:
        ilvl = num.ilvl.val if num.ilvl is not None else 0
        return int(ilvl or 0)
    m = re.match(r"^list(?: (?:bullet|number|continue|paragraph))?\s*(\d)?$", style.strip(), re.I)
    if m:
        return int(m.group(1) or 1) - 1
    return None


def _all_bold(p, style_bold: bool) -> bool:
    runs = [r for r in p.runs if r.text.strip()]
    if not runs:
        return False
    return all(r.bold or (r.bold is None and style_bold) for r in runs)


def _short_line(text: str) -> bool:
    text = clean(text)
    return 0 < len(text) <= 120 and "\n" not in text and not text.endswith((".", ",", ";", ":"))


def _header_row(table, cells: list) -> bool:
    """The first row is a header when Word says so, or when it is all bold."""
    from docx.table import _Cell

    tr_pr = table._tbl.tr_lst[0].trPr
    if tr_pr is not None and tr_pr.find(f"{_W}tblHeader") is not None:
        return True
    runs = [r for tc in cells for par in _Cell(tc, table).paragraphs for r in par.runs if r.text.strip()]
    return bool(runs) and all(r.bold for r in runs)
