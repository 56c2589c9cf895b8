"""Answers quote a plain-text or HTML source as written; only real Markdown emphasis in .md reads as emphasis.
Numbered steps keep their numbers, never as "• 1."."""

from __future__ import annotations

import html

import pytest

from faqrag.engine import Engine
from faqrag.index.build import build_index
from faqrag.index.store import load_index
from faqrag.ingest.chunking import chunk_document
from faqrag.ingest.corpus import load_corpus
from faqrag.settings import ChunkSettings, Settings

# Text with * and _ that is not emphasis: each must survive every format as written.
AS_WRITTEN = [
    "Run __init__.py to start the widget.",
    "Call __init__(self) once per widget.",
    "The limit is 2**10 = 1024 and 3**2 = 9 per day.",
    "Set my_snake_case_name and other_name_here in the file.",
    "Free shipping* on orders over 50 euros* every day.",
    "Open https://example.com/my_page_name/a_b_c for the form.",
    "Pass **kwargs and *args through unchanged.",
    "Name the file file_name_v2_final.txt before upload.",
    "Multiply 4 * 5 * 6 for the number of slots.",
]


def corpus_of(tmp_path, fmt: str, lines: list[str]):
    folder = tmp_path / fmt
    folder.mkdir()
    if fmt == "html":
        body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
        text = f"<html><head><title>Guide</title></head><body><main><h1>Guide</h1>{body}</main></body></html>"
    else:
        text = "Guide\n\n" + "\n\n".join(lines) + "\n"
        text = "# " + text if fmt == "md" else text
    (folder / f"guide.{fmt}").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("fmt", ["txt", "html", "md"])
def test_stars_and_underscores_that_are_not_emphasis_stay_as_written(tmp_path, fmt):
    ((doc, blocks),) = load_corpus(corpus_of(tmp_path, fmt, AS_WRITTEN))
    texts = [m.text for b in blocks for m in (b.members or (b,))]
    for line in AS_WRITTEN:
        assert line in texts, (fmt, line, texts)


EMPHASIS = [
    ("**Important:** back up first.", "Important: back up first."),
    ("Use __strong__ words.", "Use strong words."),
    ("It is _really_ fast.", "It is really fast."),
    ("They **_may not_** be the latest.", "They may not be the latest."),
    ("Type `__init__.py` and `**x**` as shown.", "Type `__init__.py` and `**x**` as shown."),
    ("An escaped \\*star\\* stays.", "An escaped *star* stays."),
]


@pytest.mark.parametrize("written, md_reads", EMPHASIS)
def test_only_markdown_reads_emphasis(tmp_path, written, md_reads):
    for fmt, expect in (("md", md_reads), ("txt", written), ("html", written)):
        ((_, blocks),) = load_corpus(_one(tmp_path, fmt, written))
        texts = [m.text for b in blocks for m in (b.members or (b,))]
        assert expect in texts, (fmt, texts)


def _one(tmp_path, fmt, line):
    root = tmp_path / f"one-{fmt}"
    root.mkdir()
    return corpus_of(root, fmt, [line])


def test_the_answer_quotes_the_plain_text_as_written(tmp_path, fake_embedder):
    corpus = corpus_of(tmp_path, "txt", ["Widget Setup", "Run __init__.py to start the widget after unpacking it."])
    build_index(corpus, tmp_path / "ix", fake_embedder)
    engine = Engine(load_index(tmp_path / "ix"), fake_embedder, Settings(abstain_below=0.0))
    r = engine.ask("How do I start the widget after unpacking?")
    assert "__init__.py" in r.answer.text


STEPS = {
    "md": "# Guide\n\n## Reset\n\nTo reset the widget:\n\n1. Open Settings.\n2. Tap Reset.\n3. Confirm.\n",
    "md-lazy": "# Guide\n\n## Reset\n\nTo reset the widget:\n\n1. Open Settings.\n1. Tap Reset.\n1. Confirm.\n",
    "txt": "Guide\n\nReset\n\nTo reset the widget:\n\n1. Open Settings.\n2. Tap Reset.\n3. Confirm.\n",
    "txt-paren": "Guide\n\nReset\n\nTo reset the widget:\n\n1) Open Settings.\n2) Tap Reset.\n3) Confirm.\n",
    "html": "<main><h1>Guide</h1><h2>Reset</h2><p>To reset the widget:</p>"
    "<ol><li>Open Settings.</li><li>Tap Reset.</li><li>Confirm.</li></ol></main>",
}


@pytest.mark.parametrize("name", list(STEPS))
def test_numbered_steps_keep_their_numbers(tmp_path, name):
    suffix = {"md": "md", "md-lazy": "md", "txt": "txt", "txt-paren": "txt", "html": "html"}[name]
    (tmp_path / f"g.{suffix}").write_text(STEPS[name], encoding="utf-8")
    ((doc, blocks),) = load_corpus(tmp_path)
    (chunk,) = chunk_document(doc, blocks, ChunkSettings())
    sep = ")" if name == "txt-paren" else "."
    assert f"1{sep} Open Settings.\n2{sep} Tap Reset.\n3{sep} Confirm." in chunk.text
    assert "\u2022" not in chunk.text
    assert [chunk.part_text(i) for i in range(len(chunk.parts))][-3:] == ["Open Settings.", "Tap Reset.", "Confirm."]


@pytest.mark.parametrize(
    "text",
    [
        "How do I reset it?\n1. Open Settings.\n2. Tap Reset.\n",
        "Q: How do I reset it?\nA: Follow these steps.\n1. Open Settings.\n2. Tap Reset.\n",
        "## How do I reset it?\n\n1. Open Settings.\n2. Tap Reset.\n",
    ],
)
def test_steps_in_an_faq_answer_are_not_bullets_and_numbers(tmp_path, text):
    (tmp_path / "faq.md").write_text("# FAQ\n\n" + text, encoding="utf-8")
    ((doc, blocks),) = load_corpus(tmp_path)
    answer = "\n".join(m.text for b in blocks for m in (b.members or (b,)))
    assert "1. Open Settings." in answer and "2. Tap Reset." in answer
    assert "\u2022 1." not in answer and "\u2022 2." not in answer
