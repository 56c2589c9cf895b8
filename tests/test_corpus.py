"""Corpus files: FAQ files, metadata, and every way a file can be wrong."""

import json

import pytest

from faqrag.corpus import corpus_files, load_corpus
from faqrag.errors import CorpusError


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def test_csv_and_jsonl_faq_files(tmp_path):
    write(tmp_path / "a.csv", 'question,answer,category\n"How old?","Ten, years.",About\nWhere?,Here,\n')
    write(tmp_path / "b.jsonl", json.dumps({"question": "Why?", "answer": "Because."}) + "\n\n")
    (doc_a, blocks_a), (doc_b, blocks_b) = load_corpus(tmp_path)
    assert doc_a.kind == "faq" and doc_a.title == "A"
    assert [(b.question, b.text, b.trail) for b in blocks_a] == [
        ("How old?", "Ten, years.", ("About",)),
        ("Where?", "Here", ()),
    ]
    assert doc_a.text[slice(*blocks_a[1].span)] == "Where?,Here,"
    assert blocks_b[0].question == "Why?"


def test_sidecar_and_front_matter_metadata(tmp_path):
    write(tmp_path / "g.txt", "Guide\n\nSome text here for the guide.\n")
    write(
        tmp_path / "g.txt.meta.json", json.dumps({"title": "The Guide", "url": "https://x.example", "notice": "Check."})
    )
    write(tmp_path / "m.md", "---\ntitle: Front Title\nnotice: Unofficial\n---\n# Heading\n\nBody text.\n")
    docs = {d.doc_id: (d, b) for d, b in load_corpus(tmp_path)}
    g = docs["g.txt"][0]
    assert (g.title, g.url, g.notice) == ("The Guide", "https://x.example", "Check.")
    m, blocks = docs["m.md"]
    assert (m.title, m.notice) == ("Front Title", "Unofficial")
    assert m.text[slice(*blocks[0].span)] == "Body text."  # spans stay true to the file


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.txt", "  \n", "empty.txt: the file is empty"),
        ("latin.txt", "caf\xe9 menu".encode("latin-1"), "latin.txt: not UTF-8 text (byte 0xe9 at offset 3)"),
        ("bad.jsonl", '{"question": "a", "answer": "b"}\n{oops\n', "bad.jsonl, line 2: not valid JSON"),
        ("cols.csv", "q,a\nx,y\n", "cols.csv, line 1: no 'question' and 'answer' column"),
        ("blank.csv", "question,answer\nx,\n", "blank.csv: no row has both a question and an answer"),
        ("qa.jsonl", '{"q": "Q?", "a": "A"}\n', "(fields: 'q', 'a'); name the fields 'question' and 'answer'"),
        ("header.csv", "question,answer\n\n", "header.csv: no question/answer rows; add some or remove the file"),
        ("twice.csv", "Question,answer,Answer\nQ?,a,b\n", "line 1: fields 'answer' and 'Answer' both read as 'answer'"),
        ("twice.jsonl", '{"question": "Q?", "Answer": "a", "ANSWER": "b"}\n', "line 1: fields 'Answer' and"),
        ("gaps.csv", "question,answer\nA?,a\n\n\nB?,b,extra\n", "gaps.csv, line 5: 3 values for 2 columns"),
        ("num.jsonl", '{"question": "Q?", "answer": 42}\n', "num.jsonl, line 1: 'answer' must be a string"),
    ],
)
def test_bad_files_name_the_file_line_and_fix(tmp_path, name, content, message):
    write(tmp_path / name, content)
    with pytest.raises(CorpusError) as err:
        load_corpus(tmp_path)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_faq_exports_keep_their_rows_and_say_what_was_left_out(tmp_path):
    write(
        tmp_path / "export.csv",
        "Question,Answer,url,lang,,\nHow old?,Ten.,https://x.example/1,en,,\nEmpty?,,https://x.example/2,en,,\n"
        "Where?,Here.,,en,,\n",
    )
    write(tmp_path / "keys.jsonl", json.dumps({"Question": "Why?", "ANSWER": "Because.", "answer_html": "<p>"}) + "\n")
    said = []
    docs = {d.doc_id: blocks for d, blocks in load_corpus(tmp_path, warn=said.append)}
    assert [(b.question, b.text) for b in docs["export.csv"]] == [("How old?", "Ten."), ("Where?", "Here.")]
    assert [(b.question, b.text) for b in docs["keys.jsonl"]] == [("Why?", "Because.")]
    assert sorted(said) == [
        f"{tmp_path / 'export.csv'}: left out 1 row(s) without a question or an answer (line 3)",
        f"{tmp_path / 'export.csv'}: left out field(s) (unnamed), 'lang', 'url'; faqrag reads question, answer, category, section, id",
        f"{tmp_path / 'keys.jsonl'}: left out field(s) 'answer_html'; faqrag reads question, answer, category, section, id",
    ]


def test_unknown_metadata_key_is_rejected(tmp_path):
    write(tmp_path / "g.txt", "Text of a guide.\n")
    write(tmp_path / "g.txt.meta.json", json.dumps({"titel": "typo"}))
    with pytest.raises(CorpusError, match="unknown metadata key"):
        load_corpus(tmp_path)


def test_missing_and_empty_corpus_folders(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        corpus_files(tmp_path / "nope")
    write(tmp_path / "notes.rtf", b"{\\rtf1 notes}")
    with pytest.raises(CorpusError, match="has no .txt, .md, .html, .pdf, .docx, .csv or .jsonl files"):
        corpus_files(tmp_path)


def test_jsonl_answers_may_hold_unicode_line_separators(tmp_path):
    write(tmp_path / "u.jsonl", json.dumps({"question": "Q?", "answer": "one\u2028two"}, ensure_ascii=False) + "\n")
    ((_, blocks),) = load_corpus(tmp_path)
    assert blocks[0].question == "Q?"


def test_csv_with_bom_and_windows_line_ends(tmp_path):
    write(tmp_path / "w.csv", '\ufeffquestion,answer\r\nWhere?,"Here,\r\nand there"\r\n')
    ((doc, blocks),) = load_corpus(tmp_path)
    assert (blocks[0].question, blocks[0].text) == ("Where?", "Here, and there")
