"""Hostile corpus files of every format: a build does and produces work in proportion to them.

The shapes (bench/adversarial_shapes.py) are the ways a file once made a build
grow faster than the file: text grown by concatenation, a long shared text
repeated in every view, line numbers counted from the file's start, nesting
that recursion or node comparison multiplied, compressed content expanding.
What a build produces is measured exactly (it cannot depend on the machine);
time bounds are loose, for a shared machine, and catch the quadratic case,
which takes minutes at these sizes. ``bench/parse_adversarial.py`` shows the
growth per doubling.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from faqrag.errors import CorpusError
from faqrag.ingest.chunking import chunk_document
from faqrag.ingest.corpus import read_corpus
from faqrag.limits import MAX_SHARED_CHARS
from faqrag.settings import ChunkSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from adversarial_shapes import SHAPES, START, docx_file, html_page, pdf  # noqa: E402

BOUND_S = 20.0  # linear: a second or two; the quadratic shapes took minutes to hours here


def build(tmp_path: Path, suffix: str, raw: bytes, name: str = "file"):
    """What a build makes of one file before embedding: its document and chunks."""
    folder = tmp_path / f"corpus-{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    (folder / f"{name}{suffix}").write_bytes(raw)
    corpus = read_corpus(folder)
    return [(doc, chunk_document(doc, blocks, ChunkSettings())) for doc, blocks in corpus.loaded]


def produced(loaded) -> int:
    return sum(
        len(doc.text) + sum(len(c.text) + sum(len(v) for v, _ in c.views) for c in chunks) for doc, chunks in loaded
    )


@pytest.mark.parametrize("name", list(SHAPES))
def test_what_a_build_produces_doubles_with_the_file(tmp_path, name):
    suffix, make = SHAPES[name]
    n = max(START[name] // 16, 1)
    sizes = []
    for size in (n, 2 * n):
        try:
            sizes.append(produced(build(tmp_path, suffix, make(size))))
        except CorpusError as err:  # refused at a bound: a one-line error, never half a build
            assert "\n" not in str(err) and str(tmp_path) in str(err)
            sizes.append(None)
    if None not in sizes:
        assert sizes[1] <= 2.2 * sizes[0], f"{name}: {sizes[0]:,} then {sizes[1]:,} characters"


# The shapes that were quadratic or worse, at sizes where that took minutes.
SLOW_ONCE = {
    "md fence lines": 160_000,  # 47 s before
    "md A: lines": 160_000,  # 44 s
    "md faq numbered items": 40_000,  # 22 s
    "txt directory shared lines": 10_000,  # 47 s and 4.6 GB
    "md long heading": 20_000,  # 8 s and 2 GB
    "csv rows": 40_000,  # line numbers from the file's start: quadratic
    "html nested tables": 1_000,  # 59 s
    "html nested dl": 4_000,  # 24 s
    "html nested ol of links": 4_000,  # 17 s
    "pdf dense lines": 8_000,  # 43 s
    "pdf wrapped item": 8_000,  # 37 s
    "docx many styles": 4_000,  # 39 s
    "docx merged column": 2_000,  # 46 s, then a false "nested too deeply"
}


@pytest.mark.parametrize("name", list(SLOW_ONCE))
def test_shapes_that_were_quadratic_build_in_linear_time(tmp_path, name):
    suffix, make = SHAPES[name]
    raw = make(SLOW_ONCE[name])
    t0 = time.perf_counter()
    loaded = build(tmp_path, suffix, raw)
    assert time.perf_counter() - t0 < BOUND_S
    assert loaded and produced(loaded) < 60 * len(raw) + 1_000_000


def test_json_ld_pairs_are_matched_to_the_page_in_time_linear_in_both():
    from faqrag.ingest.convert_html import _not_shown

    blocks = [f"Paragraph {i} of the page, with words in it." for i in range(100_000)]  # 4.5 MB
    faq = [(f"Question {i}?", "An answer.") for i in range(50_000)] + [("paragraph 7 of the page", "x")]
    t0 = time.perf_counter()
    missing = _not_shown(faq, blocks)  # each pair searched in all the text: 2 x 10^11 steps
    assert time.perf_counter() - t0 < BOUND_S
    assert len(missing) == 50_000 and ("paragraph 7 of the page", "x") not in missing
    # A small page is searched exactly: a question inside a paragraph is found.
    assert _not_shown([("with words", "a"), ("Nowhere?", "b")], blocks[:10]) == [("Nowhere?", "b")]


def test_shared_text_is_repeated_only_so_long(tmp_path):
    """A heading, a lead-in, a table's column name or a directory's shared lines is
    repeated in each view up to MAX_SHARED_CHARS, not whole."""
    long = "word " * 2_000
    files = {
        ".md": (
            f"# {'Title ' * 200}\n\nIntro text.\n\n{long}as follows:\n\n" + "- item\n" * 50 + f"\n| {long} |\n|---|\n"
        ).encode()
        + b"| cell |\n" * 50,
        ".txt": (
            "Offices\n\nNorth\n\n"
            + "".join(f"Line {i}: 555-{i:04d}\n" for i in range(50))
            + "".join(f"Label {i}: {long[:100]}\n" for i in range(50))
            + "\nSouth\n\n"
            + "".join(f"Label {i}: other\n" for i in range(50))
        ).encode(),
        ".html": html_page(f"<table><tr><th>{long}</th><th>b</th></tr>" + "<tr><td>x</td><td>y</td></tr>" * 50),
    }
    for suffix, raw in files.items():
        for _doc, chunks in build(tmp_path, suffix, raw):
            for c in chunks:
                for view, role in c.views:
                    own = c.text if role < 0 else c.part_text(role)
                    assert len(view) <= len(own) + 2 * MAX_SHARED_CHARS + 10, (suffix, view[:80])


def test_lists_nested_a_thousand_deep_are_read_whole_without_recursion(tmp_path):
    for body in (
        "<ul>" * 1_500 + "<li>the deepest item</li>" + "</ul>" * 1_500,
        "<ul><li>top" * 1_500 + "<p>the deepest item</p>" + "</li></ul>" * 1_500,
        "<ol><li><ul>" * 700 + "<li>the deepest item</li>" + "</ul></li></ol>" * 700,
    ):
        ((doc, chunks),) = build(tmp_path, ".html", html_page(body))
        assert "the deepest item" in doc.text


def test_the_nesting_guard_reads_tags_as_the_parser_does(tmp_path):
    deep = 6_000
    refused = {
        "self-closed divs": "<div/>" * deep,  # HTML ignores the slash: these nest
        "stray end tags first": "</div>" * deep + "<div>" * deep,
        "unclosed spans": "<span>" * deep,
    }
    for what, body in refused.items():
        with pytest.raises(CorpusError, match="nested over 5,000 deep") as err:
            build(tmp_path, ".html", html_page("<p>Text.</p>" + body))
        assert "\n" not in str(err.value), what
    accepted = {
        "self-closed svg": "<svg>" + "<g/>" * deep + "</svg>",
        "tags in a script": "<script>var s = '" + "<div>" * deep + "';</script>",
        "tags in a comment": "<!--" + "<div>" * deep + "-->",
        "void elements": "<br/><img src=x><hr>" * deep,
        "an unclosed tag at the end": "<a" * 50_000,
    }
    for what, body in accepted.items():
        t0 = time.perf_counter()
        ((doc, _),) = build(tmp_path, ".html", html_page("<p>Text that is read.</p>" + body))
        assert "Text that is read." in doc.text and time.perf_counter() - t0 < BOUND_S, what


BOMB = b"BT /F1 10 Tf 1 0 0 1 10 100 Tm (Title) Tj ET\n" + b"BT /F1 10 Tf (a) Tj ET\n" * 1_000_000  # 23 MB
BOMBS = {
    "flate twice": lambda: pdf([BOMB] * 3, filters=2),
    "flate three times": lambda: pdf([BOMB] * 3, filters=3),
    "lzw in flate": lambda: pdf([BOMB[:250_000]] * 260, filters=[b"FlateDecode", b"LZWDecode"]),
    "hex of flate of flate": lambda: pdf([BOMB] * 3, filters=[b"ASCIIHexDecode", b"FlateDecode", b"FlateDecode"]),
    "one stream, many pages": lambda: pdf([], shared=BOMB[:2_300_000], pages_of_shared=30),
}


@pytest.mark.parametrize("name", list(BOMBS))
def test_pdf_content_that_expands_past_the_limit_is_refused_before_it_is_parsed(tmp_path, name):
    raw = BOMBS[name]()
    assert len(raw) < 2_000_000  # a file well within the limits
    t0 = time.perf_counter()
    with pytest.raises(CorpusError, match="compressed content expands to over 60 MiB") as err:
        build(tmp_path, ".pdf", raw)
    assert time.perf_counter() - t0 < BOUND_S and "\n" not in str(err.value)


@pytest.mark.parametrize(
    "chain",
    [[b"FlateDecode"], [b"LZWDecode"], [b"RunLengthDecode"], [b"ASCIIHexDecode", b"FlateDecode"], []],
    ids=["flate", "lzw", "run-length", "hex of flate", "none"],
)
def test_the_measure_of_a_pdf_stream_is_what_it_decodes_to(chain):
    from faqrag.ingest.pdf_streams import expanded_size

    body = b"BT /F1 12 Tf 1 0 0 1 72 700 Tm (Returns are accepted within thirty days.) Tj ET\n" * 1_000
    raw = pdf([body], filters=chain)
    assert expanded_size(raw, 10**9) == len(body)
    assert expanded_size(raw, 1_000) == 1_001  # measuring stops past the budget


def test_a_pdf_within_the_limit_is_read(tmp_path):
    raw = pdf([b"BT /F1 12 Tf 1 0 0 1 72 700 Tm (Returns are accepted within thirty days.) Tj ET"], filters=2)
    ((doc, _),) = build(tmp_path, ".pdf", raw)
    assert "Returns are accepted within thirty days." in doc.text


def test_a_docx_whose_text_expands_past_a_file_limit_is_refused(tmp_path):
    para = "<w:p><w:r><w:t>" + "word " * 1_000_000 + "</w:t></w:r></w:p>"  # 5 MB of text, a few KB zipped
    raw = docx_file(para * 5)
    assert len(raw) < 200_000
    with pytest.raises(CorpusError, match="holds 23.8 MiB of text, over the 20 MiB limit for one file") as err:
        build(tmp_path, ".docx", raw)
    assert "\n" not in str(err.value)


def test_docx_tables_with_odd_merges_are_read(tmp_path):
    def tc(text: str, props: str = "") -> str:
        return f"<w:tc><w:tcPr>{props}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"

    rows = [
        "<w:tr>" + tc("Merged down from nothing", "<w:vMerge/>") + tc("B1") + "</w:tr>",  # python-docx: ValueError
        "<w:tr>" + tc("Wide", '<w:gridSpan w:val="2000000000"/>') + tc("C2") + "</w:tr>",  # a span of 2 billion
        "<w:tr>" + tc("", "<w:vMerge/>") + tc("D3") + "</w:tr>",
    ]
    ((doc, _),) = build(tmp_path, ".docx", docx_file("<w:tbl>" + "".join(rows) + "</w:tbl>"))
    for text in ("Merged down from nothing", "B1", "Wide", "C2", "D3"):
        assert text in doc.text
