"""Hostile corpus files of every format, each at a chosen size n (bench/parse_adversarial.py).

Each shape is one way a file can make a build do more work, or produce more
text, than the file is big: strings grown by concatenation, a long shared text
repeated in every view, a line number counted from the file's start for every
row, nesting that recursion or node comparison multiplies, compressed content
that expands far past its size. ``SHAPES`` maps a name to (file suffix, maker);
``maker(n)`` returns the file's bytes, about proportional to n.

PDF and Word files are written here directly (raw PDF syntax; python-docx's
own empty document with its XML parts replaced), so no extra package is needed.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
import zlib
from collections.abc import Callable
from functools import lru_cache
from xml.sax.saxutils import escape

# ---------------------------------------------------------------------- PDF


def lzw(data: bytes) -> bytes:
    """LZW as PDF's LZWDecode reads it (9 to 12 bit codes, early change, a clear code when full)."""
    codes, table, word = [256], {bytes([i]): i for i in range(256)}, b""
    for byte in data:
        grown = word + bytes([byte])
        if grown in table:
            word = grown
            continue
        codes.append(table[word])
        table[grown] = 258 + len(table) - 256
        word = bytes([byte])
        if 258 + len(table) - 256 >= 4095:
            codes.append(256)
            table = {bytes([i]): i for i in range(256)}
    codes += [table[word], 257] if word else [257]
    # Pack each code as wide as the reader expects it: its table lags the writer's by one entry.
    out, bits, nbits, entries, first = bytearray(), 0, 0, 258, True
    for code in codes:
        width = min(max(9, (entries + 1).bit_length()), 12)
        bits, nbits = (bits << width) | code, nbits + width
        while nbits >= 8:
            nbits -= 8
            out.append((bits >> nbits) & 0xFF)
        bits &= (1 << nbits) - 1
        if code == 256:
            entries, first = 258, True
        elif not first:
            entries += 1
        else:
            first = False
    if nbits:
        out.append((bits << (8 - nbits)) & 0xFF)
    return bytes(out)


_ENCODE = {
    b"FlateDecode": lambda d: zlib.compress(d, 9),
    b"LZWDecode": lzw,
    b"ASCIIHexDecode": lambda d: d.hex().encode() + b">",
    b"RunLengthDecode": lambda d: b"".join(b"\x00" + d[i : i + 1] for i in range(len(d))) + b"\x80",
}


def pdf(
    pages: list[bytes],
    *,
    filters: int | list[bytes] = 1,
    shared: bytes | None = None,
    pages_of_shared: int = 0,
) -> bytes:
    """A PDF of the given content streams (one a page), Helvetica as /F1, each
    stream Flate-compressed ``filters`` times (or through the filters named, the
    first applied last, as /Filter lists them); ``pages_of_shared`` more pages all
    drawing the one stream ``shared``."""
    objs: list[bytes] = []
    chain = [b"FlateDecode"] * filters if isinstance(filters, int) else filters

    def add(body: bytes) -> int:
        objs.append(body)
        return len(objs)

    encoded: dict[bytes, bytes] = {}  # pages that draw the same operators are encoded once

    def stream(data: bytes) -> int:
        if data not in encoded:
            stored = data
            for name in reversed(chain):
                stored = _ENCODE[name](stored)
            encoded[data] = stored
        data = encoded[data]
        names = b" ".join(b"/" + n for n in chain)
        return add(b"<< /Length %d /Filter [%s] >>\nstream\n" % (len(data), names) + data + b"\nendstream")

    catalog = add(b"")  # filled in below
    tree = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    resources = b"<< /Font << /F1 %d 0 R >> >>" % font
    kids = []
    contents = [stream(p) for p in pages]
    if shared is not None:
        contents += [stream(shared)] * pages_of_shared
    for c in contents:
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 14000] /Resources %s /Contents %d 0 R >>"
                % (tree, resources, c)
            )
        )
    objs[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % tree
    objs[tree - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, catalog, xref)
    return bytes(out)


def _pdf_lines(lines: list[tuple[float, float, float, str]]) -> bytes:
    """A content stream drawing each (x, y, size, text) line."""
    ops = [b"BT"]
    for x, y, size, text in lines:
        ops.append(b"/F1 %g Tf 1 0 0 1 %g %g Tm (%s) Tj" % (size, x, y, text.encode("latin-1")))
    ops.append(b"ET")
    return b"\n".join(ops)


def _pdf_pages(lines: list[tuple[float, float, float, str]], per_page: int) -> list[bytes]:
    return [_pdf_lines(lines[i : i + per_page]) for i in range(0, len(lines), per_page)]


def pdf_dense_lines(n: int) -> bytes:
    # Tiny text, lines one unit apart: one paragraph of n lines, every line joined to it.
    lines = [(10, 13990 - (i % 13000), 1, "words of a sentence that goes on") for i in range(n)]
    return pdf(_pdf_pages(lines, 13000))


def pdf_wrapped_item(n: int) -> bytes:
    # One bullet item wrapped over n indented lines.
    lines = [(10, 13990, 10, "- an item that goes on")]
    lines += [(20, 13978 - 12 * (i % 1100), 10, "and on over another line") for i in range(n)]
    return pdf([_pdf_lines(lines[:1])] + _pdf_pages(lines[1:], 1100))


def pdf_flate_bomb(n: int) -> bytes:
    # n pages, each a content stream compressed twice: about 5 MB of operators from a few KB.
    body = _pdf_lines([(10, 100, 10, "a")]) + b"\n" + b"BT /F1 10 Tf (a) Tj ET\n" * 220_000
    return pdf([body] * n, filters=2)


def pdf_shared_stream(n: int) -> bytes:
    # n pages that all draw one stream of 50,000 text operators (stored once).
    body = b"BT /F1 10 Tf 1 0 0 1 10 100 Tm (a) Tj ET\n" * 50_000
    return pdf([_pdf_lines([(10, 100, 10, "Title")])], shared=body, pages_of_shared=n)


# --------------------------------------------------------------------- DOCX

_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


@lru_cache(maxsize=1)
def _docx_template() -> dict[str, bytes]:
    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    with zipfile.ZipFile(buf) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def docx_file(body: str, styles: str | None = None, *, compress: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A .docx whose body is ``body`` (WordprocessingML), with ``styles`` as its styles part if given."""
    parts = dict(_docx_template())
    parts["word/document.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{_W_NS}">'
        f"<w:body>{body}</w:body></w:document>"
    ).encode()
    if styles is not None:
        parts["word/styles.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:styles xmlns:w="{_W_NS}">{styles}</w:styles>'
        ).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compress) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def _para(text: str, style: str | None = None) -> str:
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{ppr}<w:r><w:t>{escape(text)}</w:t></w:r></w:p>"


def docx_many_styles(n: int) -> bytes:
    # n styles and n paragraphs, each in the last style defined.
    styles = "".join(
        f'<w:style w:type="paragraph" w:styleId="S{i}"><w:name w:val="Style {i}"/></w:style>' for i in range(n)
    )
    body = "".join(_para(f"Paragraph {i} of the document.", f"S{n - 1}") for i in range(n))
    return docx_file(body, styles)


def docx_expanding(n: int) -> bytes:
    # One paragraph of n * 1,000 characters, highly compressible.
    return docx_file(_para("word " * (200 * n)))


def docx_merged_column(n: int) -> bytes:
    # A table whose first column is one cell merged down n rows.
    def row(i: int) -> str:
        merge = '<w:vMerge w:val="restart"/>' if i == 0 else "<w:vMerge/>"
        first = f"<w:tc><w:tcPr>{merge}</w:tcPr>{_para('Plans and prices for every region' if i == 0 else '')}</w:tc>"
        return f"<w:tr>{first}<w:tc>{_para(f'Plan {i}')}</w:tc></w:tr>"

    return docx_file("<w:tbl>" + "".join(row(i) for i in range(n)) + "</w:tbl>")


def docx_list_paragraphs(n: int) -> bytes:
    return docx_file(_para("Do the following:") + "".join(_para(f"Step {i} of it", "ListBullet") for i in range(n)))


# --------------------------------------------------------------------- HTML


def html_page(body: str, head: str = "") -> bytes:
    return (
        f"<!DOCTYPE html><html><head><title>Page</title>{head}</head><body><main>{body}</main></body></html>".encode()
    )


def _nested(open_tag: str, close_tag: str, inner: str, n: int) -> str:
    return open_tag * n + inner + close_tag * n


HTML: dict[str, Callable[[int], bytes]] = {
    "html self-closed divs": lambda n: html_page("<p>Intro text here.</p>" + "<div/>" * n + "<p>x</p>"),
    "html unclosed tag at end": lambda n: html_page("<p>Intro text here.</p>") + b"<a" * n,
    "html unclosed tag, long": lambda n: html_page("<p>Intro text here.</p>") + b"<a " + b"x" * (n * 20),
    "html nested tables": lambda n: html_page(_nested("<table><tr><td>", "</td></tr></table>", "cell text", n)),
    "html nested dl": lambda n: html_page(_nested("<dl><dt>Term</dt><dd>", "</dd></dl>", "definition", n)),
    "html nested ul": lambda n: html_page(_nested("<ul><li>item", "</li></ul>", "deep", n)),
    "html nested ul, no li": lambda n: html_page(_nested("<ul>", "</ul>", "<li>deep</li>", n)),
    "html nested ol of links": lambda n: (
        html_page("<p>The page's own text.</p>" + _nested('<ol><li><a href="#">link</a>', "</li></ol>", "", n))
        .replace(b"<main>", b"")
        .replace(b"</main>", b"")
    ),
    "html nested header divs": lambda n: (
        html_page(
            "<p>The page's own text.</p>" + _nested("<div><header><p>A banner line.</p>", "</header></div>", "", n)
        )
        .replace(b"<main>", b"")
        .replace(b"</main>", b"")
    ),
    "html nested details": lambda n: html_page(_nested("<details><summary>More</summary>", "</details>", "x", n)),
    "html nested divs": lambda n: html_page(_nested("<div>", "</div>", "<p>deep text</p>", n)),
    "html nested sections": lambda n: html_page(_nested("<section><h2>Part</h2><p>text</p>", "</section>", "", n)),
    "html long list lead": lambda n: html_page(
        "<p>" + "word " * n + "as follows:</p><ul>" + "<li>item</li>" * n + "</ul>"
    ),
    "html table rows": lambda n: html_page(
        "<table><tr><th>Plan</th><th>Price</th></tr>" + "<tr><td>Plan</td><td>5</td></tr>" * n + "</table>"
    ),
    "html json-ld faq": lambda n: html_page(
        "<p>See below.</p>",
        '<script type="application/ld+json">'
        + json.dumps(
            {
                "@type": "FAQPage",
                "mainEntity": [
                    {"@type": "Question", "name": f"Question {i}?", "acceptedAnswer": {"text": f"Answer {i}."}}
                    for i in range(n)
                ],
            }
        )
        + "</script>",
    ),
    "html json-ld faq and text": lambda n: html_page(
        "<p>Some text of a paragraph.</p>" * n,
        '<script type="application/ld+json">'
        + json.dumps(
            [{"@type": "Question", "name": f"Question {i}?", "acceptedAnswer": {"text": "A."}} for i in range(n)]
        )
        + "</script>",
    ),
    "html long table header": lambda n: html_page(
        "<table><tr><th>" + "word " * n + "</th><th>Price</th></tr>" + "<tr><td>a</td><td>5</td></tr>" * n + "</table>"
    ),
    "html many paragraphs": lambda n: html_page("<p>Some text of a paragraph.</p>" * n),
}

# ------------------------------------------------- Markdown, text, FAQ files


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode()


TEXT: dict[str, tuple[str, Callable[[int], bytes]]] = {
    "md fence lines": (".md", lambda n: ("# Title\n\n```\n" + "some code line\n" * n + "```\n").encode()),
    "md faq numbered items": (".md", lambda n: ("# Title\n\nHow do I do it?\n" + "1. an item\n" * n).encode()),
    "txt faq bullets": (".txt", lambda n: ("Title\n\nHow do I do it?\n" + "- an item\n" * n).encode()),
    "txt faq code": (".md", lambda n: ("# Title\n\nHow do I run it?\n" + "```\nrun\n```\n" * n).encode()),
    "md A: lines": (".md", lambda n: ("# Title\n\n## How do I do it?\n\n" + "A: like this\n" * n).encode()),
    "txt Q: A: lines": (".txt", lambda n: ("Title\n\nQ: How do I do it?\n" + "A: like this\n" * n).encode()),
    "md long list lead": (
        ".md",
        lambda n: ("# Title\n\n## Part\n\n" + "word " * n + "as follows:\n" + "- item\n" * n).encode(),
    ),
    "md long table header": (
        ".md",
        lambda n: (
            "# Title\n\n| " + " | ".join(f"column {i}" for i in range(n // 8)) + " |\n" + "| value |\n" * n
        ).encode(),
    ),
    "md long heading": (
        ".md",
        lambda n: ("# Title\n\n## " + "word " * n + "\n\n" + "A short sentence here. " * n + "\n").encode(),
    ),
    "txt long heading, many blocks": (
        ".md",
        lambda n: ("# Title\n\n## " + "word " * n + "\n\n" + "A paragraph of text here.\n\n" * n).encode(),
    ),
    "txt directory shared lines": (
        ".txt",
        lambda n: (
            "Offices\n\nNorth Office\n\n"
            + "".join(f"Line {i}: 555-{i:04d}\n" for i in range(n))
            + "".join(f"Label {i}: value {i}\n" for i in range(n))
            + "\nSouth Office\n\n"
            + "".join(f"Label {i}: other {i}\n" for i in range(n))
        ).encode(),
    ),
    "md many sentences": (".md", lambda n: ("# Title\n\n" + "A short sentence here. " * n + "\n").encode()),
    "csv rows": (
        ".csv",
        lambda n: _csv([["question", "answer"]] + [[f"Question {i}?", f"Answer {i}."] for i in range(n)]),
    ),
    "csv multi-line fields": (
        ".csv",
        lambda n: _csv([["question", "answer"]] + [[f"Question {i}?", f"Answer\nover\nlines {i}."] for i in range(n)]),
    ),
    "csv conflicting rows": (
        ".csv",
        lambda n: _csv([["question", "answer"]] + [["The same question?", f"Answer {i}."] for i in range(n)]),
    ),
    "jsonl rows": (
        ".jsonl",
        lambda n: "".join(json.dumps({"question": f"Q {i}?", "answer": f"A {i}."}) + "\n" for i in range(n)).encode(),
    ),
}

# The smallest size each shape is timed at (bench/parse_adversarial.py doubles it):
# large enough to time, small enough that the default run takes a few minutes.
START = {
    **dict.fromkeys(TEXT, 10_000),
    "md fence lines": 40_000,
    "md faq numbered items": 20_000,
    "txt faq bullets": 20_000,
    "md A: lines": 20_000,
    "txt Q: A: lines": 20_000,
    "md long heading": 20_000,
    "md many sentences": 20_000,
    "txt long heading, many blocks": 5_000,
    "txt directory shared lines": 5_000,
    **dict.fromkeys(HTML, 10_000),
    **{name: 500 for name in HTML if "nested" in name},  # nesting is refused past 5,000
    "html self-closed divs": 2_000,
    "html long table header": 5_000,
    "html json-ld faq": 5_000,
    "html json-ld faq and text": 5_000,
    "pdf dense lines": 2_000,
    "pdf wrapped item": 2_000,
    "pdf flate bomb pages": 4,
    "pdf shared content stream": 10,
    "docx many styles": 2_000,
    "docx expanding paragraph": 1_000,
    "docx list paragraphs": 2_000,
    "docx merged column": 2_000,
}

SHAPES: dict[str, tuple[str, Callable[[int], bytes]]] = {
    **TEXT,
    **{name: (".html", make) for name, make in HTML.items()},
    "pdf dense lines": (".pdf", pdf_dense_lines),
    "pdf wrapped item": (".pdf", pdf_wrapped_item),
    "pdf flate bomb pages": (".pdf", pdf_flate_bomb),
    "pdf shared content stream": (".pdf", pdf_shared_stream),
    "docx many styles": (".docx", docx_many_styles),
    "docx expanding paragraph": (".docx", docx_expanding),
    "docx list paragraphs": (".docx", docx_list_paragraphs),
    "docx merged column": (".docx", docx_merged_column),
}
