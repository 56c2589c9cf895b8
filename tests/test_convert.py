"""Saved web pages, PDFs and Word documents become the same blocks as a text guide."""

from __future__ import annotations

import io
import json
import re
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import GUIDE

from faqrag.errors import CorpusError
from faqrag.ingest.corpus import load_corpus
from faqrag.ingest.parse import parse_guide

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import make_format_fixtures as fixtures  # noqa: E402

PAGE = re.compile(r" \(page \d+\)$")


def load_one(folder: Path, warn=None):
    said = []
    loaded = load_corpus(folder, warn=warn or said.append)
    assert len(loaded) == 1, said
    return loaded[0]


def flat(blocks):
    """Blocks with sections (a heading with a short body) opened into what they hold."""
    return [m for b in blocks for m in (b.members or (b,))]


def comparable(blocks):
    return [(b.kind, tuple(PAGE.sub("", t) for t in b.trail), b.question, b.text, b.lead, b.context) for b in blocks]


@pytest.fixture(scope="module")
def formats(tmp_path_factory):
    """The test guide written as text, HTML, DOCX and PDF by the fixture tool."""
    pytest.importorskip("fpdf")
    root = tmp_path_factory.mktemp("formats")
    guide = root / "acme-help.txt"
    guide.write_text(GUIDE, encoding="utf-8")
    fixtures.main([str(guide), str(root / "out")])
    return root / "out"


@pytest.mark.parametrize("fmt", ["html", "docx", "pdf"])
def test_every_format_gives_the_text_guides_blocks(formats, fmt):
    text_doc, text_blocks = load_one(formats / "text")
    doc, blocks = load_one(formats / fmt)
    assert comparable(blocks) == comparable(text_blocks)
    assert doc.title == text_doc.title == "Acme Widgets Help Centre"
    assert doc.kind == "guide"


@pytest.mark.parametrize("fmt", ["html", "docx", "pdf"])
def test_spans_point_into_the_converted_text(formats, fmt):
    doc, blocks = load_one(formats / fmt)
    for b in flat(blocks):
        first = b.question or b.lead or b.text.split("\n")[0]
        source = doc.text[b.span[0] : b.span[1]].lstrip("# ")  # a question may be a heading
        assert source.startswith(first[:15]), (b.kind, first)


def test_pdf_sources_name_the_page_and_drop_running_lines(formats):
    doc, blocks = load_one(formats / "pdf")
    assert all(PAGE.search(b.trail[-1]) for b in blocks)
    assert blocks[0].trail[-1] == "Getting Started (page 1)"
    # The running header and "Page N of M" footer of every page are gone.
    assert "saved copy" not in doc.text and not re.search(r"Page \d+ of", doc.text)


def test_long_pdf_keeps_page_numbers_and_paragraphs_across_pages(tmp_path):
    pytest.importorskip("fpdf")
    long_guide = "Manual\n\n" + "\n\n".join(
        f"Section {i}\n\n"
        + " ".join(f"Sentence {i}.{j} explains part {j} of the topic in plain words." for j in range(12))
        for i in range(1, 15)
    )
    src = tmp_path / "manual.txt"
    src.write_text(long_guide, encoding="utf-8")
    fixtures.main([str(src), str(tmp_path / "out")])
    _, text_blocks = load_one(tmp_path / "out" / "text")
    doc, blocks = load_one(tmp_path / "out" / "pdf")
    assert comparable(blocks) == comparable(text_blocks)
    pages = {int(re.search(r"page (\d+)", b.trail[-1]).group(1)) for b in blocks}
    assert len(pages) >= 3


# ---------------------------------------------------------------------- HTML


def write(path: Path, content) -> Path:
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


PAGE_HTML = """<!doctype html><html><head><meta charset="utf-8"><title>Widget help | Acme</title>
<link rel="canonical" href="https://acme.example/help/widgets">
<meta property="article:modified_time" content="2025-01-02T10:00:00Z">
<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [{"@type": "FAQPage",
 "mainEntity": [{"@type": "Question", "name": "How do I reset my widget?",
   "acceptedAnswer": {"@type": "Answer", "text": "<p>Hold the power button.</p>"}},
  {"@type": "Question", "name": "Is the widget waterproof?",
   "acceptedAnswer": {"@type": "Answer", "text": "<p>No, keep it <b>dry</b>.</p>"}}]}]}</script>
<style>.x{color:red}</style></head>
<body><div class="cookie-notice">We use cookies to track you.</div>
<header><nav><a href="/">Home</a> <a href="/shop">Shop</a></nav></header>
<main><h1>Widget Help</h1>
<p>Have the following ready:</p><ol><li>The serial number</li><li>Your receipt</li></ol>
<h2>Contact Table</h2>
<table><thead><tr><th>Region</th><th>Phone</th><th>Hours</th></tr></thead>
<tbody><tr><td>North</td><td>555-0101</td><td>9-5</td></tr><tr><td>South</td><td>555-0201</td><td>10-6</td></tr></tbody></table>
<h2>Questions</h2>
<details><summary>How do I reset my widget?</summary><p>Hold the power button for ten seconds.</p></details>
<dl><dt>Can I return a widget?</dt><dd>Within 30 days.</dd><dt>Warranty</dt><dd>Two years</dd></dl>
<h3>Where is the serial number?</h3><p>Under the base.</p>
<div class="share-bar"><a href="#">Share on social</a></div>
</main>
<footer><p>Copyright Acme. All rights reserved.</p></footer>
<script>trackEverything()</script></body></html>"""


def test_html_keeps_main_content_structure_and_metadata(tmp_path):
    write(tmp_path / "widgets.html", PAGE_HTML)
    doc, blocks = load_one(tmp_path)
    for junk in ("cookies", "Home", "Copyright", "trackEverything", "color:red", "Share on social"):
        assert junk not in doc.text
    assert (doc.title, doc.url) == ("Widget Help", "https://acme.example/help/widgets")
    by_kind = {}
    for b in blocks:
        by_kind.setdefault(b.kind, []).append(b)
    (lst,) = by_kind["list"]
    assert lst.lead == "Have the following ready:" and lst.items == ("The serial number", "Your receipt")
    entries = [(b.text, b.trail) for b in by_kind["entry"]]
    assert ("Region: North | Phone: 555-0101 | Hours: 9-5", ("Contact Table",)) in entries
    assert ("Warranty: Two years", ("Questions",)) in entries
    faqs = {b.question: b.text for b in by_kind["faq"]}
    assert faqs["How do I reset my widget?"] == "Hold the power button for ten seconds."  # visible copy, once
    assert faqs["Can I return a widget?"] == "Within 30 days."
    assert faqs["Where is the serial number?"] == "Under the base."
    assert faqs["Is the widget waterproof?"] == "No, keep it dry."  # only in the JSON-LD
    assert len(by_kind["faq"]) == 4


def test_sidecar_metadata_overrides_the_page(tmp_path):
    write(tmp_path / "widgets.html", PAGE_HTML)
    write(tmp_path / "widgets.html.meta.json", json.dumps({"title": "Mine", "notice": "Unofficial copy."}))
    doc, _ = load_one(tmp_path)
    assert (doc.title, doc.url, doc.notice) == ("Mine", "https://acme.example/help/widgets", "Unofficial copy.")


def test_html_without_landmarks_drops_link_menus_but_keeps_prose(tmp_path):
    page = (
        "<html><body><ul><li><a href=/a>Alpha</a></li><li><a href=/b>Beta</a></li><li><a href=/c>Gamma</a></li></ul>"
        "<h1>Returns</h1><p>Send the parcel back within <a href=/t>thirty days</a> of delivery.</p></body></html>"
    )
    write(tmp_path / "bare.htm", page)
    doc, blocks = load_one(tmp_path)
    assert "Alpha" not in doc.text
    assert [b.text for b in blocks] == ["Send the parcel back within thirty days of delivery."]


@pytest.mark.parametrize(
    "name, content, expect",
    [
        ("declared-latin1.html", b'<meta charset="iso-8859-1"><p>Caf\xe9 opening hours are nine to five.</p>', "Café"),
        ("bogus-charset.html", '<meta charset="x-no-such-set"><p>Words on the café.</p>'.encode(), "café"),
        ("undeclared-cp1252.html", b"<p>Caf\xe9 \x93quoted\x94 hours.</p>", "Café “quoted”"),
        ("lying-utf8.html", b'<meta charset="utf-8"><p>Caf\xe9 hours are long.</p>', "Caf\ufffd"),
        ("truncated.html", b"<html><body><main><h1>Help</h1><p>Text that is cut off mid", "cut off mid"),
        ("utf16-meta.html", b'<meta charset="utf-16"><p>Ascii page that says UTF-16.</p>', "Ascii page"),
    ],
)
def test_html_encodings_and_truncation_are_read_with_a_warning_where_needed(tmp_path, name, content, expect):
    write(tmp_path / name, content)
    said = []
    doc, _ = load_one(tmp_path, warn=said.append)
    assert expect in doc.text
    if name in ("bogus-charset.html", "undeclared-cp1252.html", "lying-utf8.html"):
        assert len(said) == 1 and said[0].startswith(str(tmp_path / name)) and "\n" not in said[0]


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty-body.html", "<html><head><title>T</title></head><body></body></html>", "no main content"),
        ("only-nav.html", "<body><nav><a href=/>Home</a></nav><footer>(c) Acme</footer></body>", "no main content"),
        ("scripts.html", "<script>var a = 1;</script><style>p{}</style>", "no main content"),
        ("deep.html", "<body>" + "<div>" * 60000 + "x" + "</div>" * 60000, "nested over 5,000 deep"),
        ("blank.html", "   \n  ", "the file is empty"),
        ("pdf-named.html", b"%PDF-1.7\n1 0 obj <<>> stream\x00\x01", "is a PDF, not a web page"),
        ("image.htm", b"\x89PNG\r\n\x1a\n\x00\x00", "is a PNG image, not a web page"),
        ("binary.html", b"<p>x</p>\x00\x01\x02\x03" * 10, "holds binary data"),
    ],
)
def test_html_without_content_is_a_one_line_error(tmp_path, name, content, message):
    write(tmp_path / name, content)
    with pytest.raises(CorpusError) as err:
        load_corpus(tmp_path)
    assert str(err.value).startswith(str(tmp_path / name)) and message in str(err.value)
    assert "\n" not in str(err.value)


def test_deep_but_plausible_nesting_is_read(tmp_path):
    write(tmp_path / "deep.html", "<body><main>" + "<div>" * 3000 + "<p>Deep text stays.</p>" + "</div>" * 3000)
    doc, _ = load_one(tmp_path)
    assert "Deep text stays." in doc.text


# ----------------------------------------------------------------------- PDF


def _pdf(path: Path, body=None, encrypt=False) -> Path:
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.add_page()
    if body is None:
        pdf.rect(10, 10, 100, 100, style="F")  # a picture and no text: what a scan looks like
    else:
        pdf.set_font("helvetica", "", 12)
        pdf.multi_cell(0, 6, body)
    if encrypt:
        pdf.set_encryption(owner_password="owner", user_password="user")
    pdf.output(str(path))
    return path


def test_scanned_pdf_is_a_warning_and_left_out(tmp_path):
    _pdf(tmp_path / "scan.pdf")
    write(tmp_path / "guide.txt", "Some guide text to index.\n")
    said = []
    docs = load_corpus(tmp_path, warn=said.append)
    assert [d.doc_id for d, _ in docs] == ["guide.txt"]
    assert len(said) == 1 and "scan.pdf: has no text layer (a scanned PDF?); left out" in said[0]


def test_pdf_page_numbers_alone_are_dropped(tmp_path):
    _pdf(tmp_path / "one.pdf", "Returns are accepted within thirty days of delivery.\n\n\n7")
    doc, blocks = load_one(tmp_path)
    assert [b.text for b in blocks] == ["Returns are accepted within thirty days of delivery."]
    assert blocks[0].trail == ("Page 1",)


def _bad_pdfs(tmp_path: Path) -> dict[str, bytes]:
    good = _pdf(tmp_path / "good.pdf", "Hello there, reader of this file.").read_bytes()
    enc = _pdf(tmp_path / "enc.pdf", "Secret words.", encrypt=True).read_bytes()
    return {
        "encrypted.pdf": enc,
        "truncated.pdf": good[: len(good) // 3],
        "html-named.pdf": b"<html><body><p>Not a PDF at all.</p></body></html>",
        "garbage.pdf": bytes(range(256)) * 40,
        "header-only.pdf": b"%PDF-1.7\n%%EOF\n",
    }


@pytest.mark.parametrize(
    "name, message",
    [
        ("encrypted.pdf", "the PDF is encrypted (password protected); save an unprotected copy"),
        ("truncated.pdf", "not a readable PDF"),
        ("html-named.pdf", "not a readable PDF"),
        ("garbage.pdf", "not a readable PDF"),
        ("header-only.pdf", "not a readable PDF"),
    ],
)
def test_bad_pdfs_are_one_line_errors(tmp_path, name, message):
    raw = _bad_pdfs(tmp_path)[name]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write(corpus / name, raw)
    with pytest.raises(CorpusError) as err:
        load_corpus(corpus)
    assert str(err.value).startswith(str(corpus / name)) and message in str(err.value)
    assert "\n" not in str(err.value)


# ---------------------------------------------------------------------- DOCX


def _docx_bytes() -> bytes:
    docx = pytest.importorskip("docx")
    d = docx.Document()
    d.core_properties.title = "Router Manual"
    d.add_heading("Router Manual", level=0)
    d.add_heading("Setup", level=1)
    d.add_paragraph("Before you start, check the box holds:")
    d.add_paragraph("The router", style="List Bullet")
    d.add_paragraph("A power cable", style="List Bullet")
    d.add_paragraph("The reset pin", style="List Bullet 2")
    d.add_paragraph("Connect the cable", style="List Number")
    d.add_heading("Support Lines", level=1)
    t = d.add_table(rows=1, cols=3)
    for cell, text in zip(t.rows[0].cells, ("Country", "Phone", "Hours")):
        cell.paragraphs[0].add_run(text).bold = True
    for row in (("Norway", "800-100", "8-16"), ("Chile", "800-200", "9-17")):
        for cell, text in zip(t.add_row().cells, row):
            cell.text = text
    merged = d.add_table(rows=2, cols=2)
    merged.cell(0, 0).merge(merged.cell(0, 1)).text = "Spanning note for both columns"
    merged.cell(1, 0).text, merged.cell(1, 1).text = "Fax", "800-300"
    d.add_paragraph().add_run("Why is the light red?").bold = True
    d.add_paragraph("The router has no signal; check the cable.")
    p = d.add_paragraph()
    p.add_run("Troubleshooting Tips").bold = True
    d.add_paragraph("Restart the router once a week to keep it quick.")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_docx_headings_lists_tables_and_bold_questions(tmp_path):
    write(tmp_path / "router.docx", _docx_bytes())
    doc, blocks = load_one(tmp_path)
    assert doc.title == "Router Manual"
    kinds = [(b.kind, b.trail) for b in flat(blocks)]
    lst = next(b for b in flat(blocks) if b.kind == "list")
    assert lst.lead == "Before you start, check the box holds:"
    assert lst.items == ("The router", "A power cable", "The reset pin", "Connect the cable")
    entries = [b.text for b in flat(blocks) if b.kind == "entry"]
    assert entries[:2] == [
        "Country: Norway | Phone: 800-100 | Hours: 8-16",
        "Country: Chile | Phone: 800-200 | Hours: 9-17",
    ]
    assert "Fax: 800-300" in entries and doc.text.count("Spanning note") == 1
    faq = next(b for b in flat(blocks) if b.kind == "faq")
    assert (faq.question, faq.trail) == ("Why is the light red?", ("Support Lines",))
    tip = next(b for b in flat(blocks) if b.text.startswith("Restart"))
    assert tip.trail == ("Support Lines", "Troubleshooting Tips"), kinds


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _bad_docx(name: str) -> bytes:
    good = _docx_bytes()
    if name == "not-a-zip.docx":
        return b"This is plain text saved with the wrong extension.\n"
    if name == "old-word.docx":
        return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    if name == "truncated.docx":
        return good[: len(good) // 2]
    if name == "other-zip.docx":
        return _zip({"readme.txt": b"hello"})
    if name == "huge-xml.docx":
        return _zip({"word/document.xml": b"<w:document>" + b" " * (3 * 1024 * 1024) + b"</w:document>"})
    if name == "broken-xml.docx":
        with zipfile.ZipFile(io.BytesIO(good)) as z:
            members = {n: z.read(n) for n in z.namelist()}
        members["word/document.xml"] = members["word/document.xml"][:200]
        return _zip(members)
    if name == "deep-xml.docx":
        with zipfile.ZipFile(io.BytesIO(good)) as z:
            members = {n: z.read(n) for n in z.namelist()}
        xml = members["word/document.xml"].decode()
        deep = "<w:sdt><w:sdtContent>" * 3000 + "</w:sdtContent></w:sdt>" * 3000
        members["word/document.xml"] = xml.replace("<w:body>", "<w:body>" + deep, 1).encode()
        return _zip(members)
    raise AssertionError(name)


@pytest.mark.parametrize(
    "name, message",
    [
        ("not-a-zip.docx", "not a Word document (.docx is a zip archive"),
        ("old-word.docx", "a Word 97-2003 document (.doc), not .docx"),
        ("truncated.docx", "not a Word document (.docx is a zip archive"),
        ("other-zip.docx", "a zip file but not a Word document (no word/document.xml)"),
        ("huge-xml.docx", "expands to 3 MiB of XML, over the 1 MiB limit"),
        ("broken-xml.docx", "the document's XML is damaged"),
        ("deep-xml.docx", "the document's XML is damaged"),  # past lxml's depth limit
    ],
)
def test_bad_docx_files_are_one_line_errors(tmp_path, monkeypatch, name, message):
    import faqrag.ingest.convert_docx

    monkeypatch.setattr(faqrag.ingest.convert_docx, "MAX_XML_BYTES", 1024 * 1024)
    write(tmp_path / name, _bad_docx(name))
    with pytest.raises(CorpusError) as err:
        load_corpus(tmp_path)
    assert str(err.value).startswith(str(tmp_path / name)) and message in str(err.value)
    assert "\n" not in str(err.value)


# --------------------------------------------------------------- the build


def test_build_logs_block_counts_and_a_bad_file_keeps_the_old_index(tmp_path, fake_embedder):
    from faqrag.index.build import build_index
    from faqrag.index.store import load_index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write(corpus / "widgets.html", PAGE_HTML)
    logged = []
    build_index(corpus, tmp_path / "index", fake_embedder, log=logged.append)
    assert "widgets.html: 1 list, 4 FAQ pairs, 3 directory entries" in logged
    write(corpus / "broken.docx", b"PK\x03\x04 not really")
    with pytest.raises(CorpusError, match="broken.docx: not a Word document"):
        build_index(corpus, tmp_path / "index", fake_embedder)
    assert [d for d in load_index(tmp_path / "index").documents] == ["widgets.html"]


def test_converted_text_reads_back_as_markdown(formats):
    # The structured text is itself a Markdown guide: parsing it again gives the same blocks.
    doc, blocks = load_one(formats / "html")
    _, again = parse_guide(doc.text, markdown=True)
    assert comparable(again) == comparable(blocks)


def test_html_source_line_ends_are_spaces_and_br_breaks_a_line(tmp_path):
    page = (
        "<body><header><a href=/>Site name</a></header><main><header><h1>Help</h1></header>"
        "<p>Returns are accepted\nwithin thirty days\nof delivery.</p><p>Phone: 555-0100<br>Hours: 9-5</p></main></body>"
    )
    write(tmp_path / "p.html", page)
    doc, blocks = load_one(tmp_path)
    assert doc.title == "Help" and "Site name" not in doc.text  # the page's header goes, main's stays
    assert [(b.kind, b.text) for b in blocks] == [
        ("passage", "Returns are accepted within thirty days of delivery."),
        ("entry", "Phone: 555-0100"),
        ("entry", "Hours: 9-5"),
    ]


def test_details_without_a_question_is_a_heading(tmp_path):
    page = (
        "<main><h1>Help</h1><h2>Delivery</h2><details><summary>Shipping times</summary>"
        "<p>Parcels arrive in two to four working days.</p></details></main>"
    )
    write(tmp_path / "d.html", page)
    _, blocks = load_one(tmp_path)
    assert [(b.trail, b.text) for b in blocks] == [
        (("Delivery", "Shipping times"), "Parcels arrive in two to four working days.")
    ]


def test_editing_a_page_re_embeds_only_what_changed(tmp_path, fake_embedder):
    from faqrag.index.build import build_index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write(corpus / "widgets.html", PAGE_HTML)
    first = build_index(corpus, tmp_path / "index", fake_embedder)
    write(corpus / "widgets.html", PAGE_HTML.replace("Under the base.", "On the sticker under the base."))
    again = build_index(corpus, tmp_path / "index", fake_embedder)
    assert first.embedded == first.views and 0 < again.embedded <= 3


def test_a_page_date_is_kept_as_the_documents_date(tmp_path):
    from faqrag.ingest.corpus import load_corpus

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "p.html").write_text(
        '<html><head><title>Help</title><meta property="article:modified_time" content="2024-05-01"></head>'
        "<body><main><h1>Help</h1><h2>Refunds</h2><p>Refunds take five days to arrive.</p></main></body></html>",
        encoding="utf-8",
    )
    ((doc, _),) = load_corpus(corpus)
    assert doc.date and doc.date.startswith("2024-05-01")
