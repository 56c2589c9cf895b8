"""Corpus files: FAQ files, metadata, and every way a file can be wrong."""

import json

import pytest

from faqrag.errors import CorpusError
from faqrag.ingest.corpus import corpus_files, load_corpus


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
        ("latin.txt", "caf\xe9 menu".encode("latin-1"), "latin.txt, line 1: not UTF-8 text (byte 0xe9 at offset 3)"),
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


@pytest.mark.parametrize("bad", [2, 3, 7])
def test_every_unreadable_file_is_named_in_one_run(tmp_path, bad):
    """A maintainer fixes every bad file after one build, not one per build."""
    write(tmp_path / "good.txt", "Guide\n\nSome text here for the guide.\n")
    kinds = [
        ("empty{}.txt", "  \n"),
        ("nul{}.md", b"# a\x00b\n"),
        ("cols{}.csv", "q,a\nx,y\n"),
        ("fake{}.pdf", "not a pdf"),
    ]
    names = []
    for i in range(bad):
        name, content = kinds[i % len(kinds)]
        names.append(name.format(i))
        write(tmp_path / names[-1], content)
    with pytest.raises(CorpusError) as err:
        load_corpus(tmp_path)
    line = str(err.value)
    assert "\n" not in line and line.startswith(f"{bad} corpus files cannot be read: ")
    assert sum(n in line for n in names) == min(bad, 5)
    assert (f"and {bad - 5} more" in line) == (bad > 5)


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


# ------------------------------------------------------- files outside the corpus


def test_links_leading_outside_the_corpus_are_left_out(tmp_path):
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    corpus.mkdir()
    outside.mkdir()
    write(outside / "secret.txt", "Secret\n\nPrivate text that must not be indexed.\n")
    write(outside / "more.md", "# More\n\nAlso private.\n")
    write(corpus / "guide.txt", "Guide\n\nPublic text of the guide.\n")
    (corpus / "passwd.txt").symlink_to("/etc/passwd")
    (corpus / "secret.txt").symlink_to(outside / "secret.txt")
    (corpus / "elsewhere").symlink_to(outside, target_is_directory=True)
    (corpus / "guide.txt.meta.json").unlink(missing_ok=True)
    write(outside / "meta.json", json.dumps({"title": "Stolen title"}))
    (corpus / "guide.txt.meta.json").symlink_to(outside / "meta.json")
    # Inside is fine: a link to a file or folder of the corpus itself.
    (corpus / "sub").mkdir()
    write(corpus / "sub" / "faq.csv", "question,answer\nWhy?,Because.\n")
    (corpus / "alias.csv").symlink_to(corpus / "sub" / "faq.csv")
    (corpus / "sub" / "loop").symlink_to(corpus, target_is_directory=True)  # must not loop

    said = []
    docs = {d.doc_id: d for d, _ in load_corpus(corpus, warn=said.append)}
    assert sorted(docs) == ["alias.csv", "guide.txt", "sub/faq.csv"]
    assert docs["guide.txt"].title == "Guide"  # not the linked sidecar's
    left_out = sorted(m.split(":")[0] for m in said if "links outside the corpus folder" in m)
    assert left_out == sorted(str(corpus / n) for n in ("elsewhere", "guide.txt.meta.json", "passwd.txt", "secret.txt"))
    assert "private" not in " ".join(d.text.lower() for d in docs.values())


def test_corpus_caps_are_checked_before_reading(tmp_path, monkeypatch):
    import faqrag.ingest.corpus
    import faqrag.ingest.reading

    for i in range(5):
        write(tmp_path / f"g{i}.txt", f"Guide {i}\n\nSome text.\n")
    monkeypatch.setattr(faqrag.ingest.corpus, "MAX_CORPUS_FILES", 4)
    with pytest.raises(CorpusError, match=r"has 5 guides and FAQ files, over the limit of 4; merge them"):
        corpus_files(tmp_path)
    monkeypatch.setattr(faqrag.ingest.corpus, "MAX_CORPUS_FILES", 1000)
    monkeypatch.setattr(faqrag.ingest.corpus, "MAX_CORPUS_BYTES", 60)
    with pytest.raises(CorpusError, match=r"holds 0 MiB of files, over the limit of 0 MiB; split it"):
        corpus_files(tmp_path)
    monkeypatch.setattr(faqrag.ingest.corpus, "MAX_CORPUS_BYTES", 10**9)
    monkeypatch.setattr(faqrag.ingest.reading, "MAX_FILE_BYTES", 10)
    with pytest.raises(CorpusError, match=r"g0.txt: 0 MiB is over the 0 MiB limit for one file; split it"):
        load_corpus(tmp_path)
    monkeypatch.setattr(faqrag.ingest.reading, "MAX_FILE_BYTES", 10**9)
    monkeypatch.setattr(faqrag.ingest.corpus, "MAX_LISTED_ENTRIES", 10)
    for i in range(10):
        (tmp_path / f"other{i}.bin").write_bytes(b"x")
    with pytest.raises(CorpusError, match=r"holds over 10 files and folders; pass --corpus a folder holding only"):
        corpus_files(tmp_path)


def test_corpus_path_that_is_a_file_or_unlistable(tmp_path):
    write(tmp_path / "g.txt", "Guide\n\nText.\n")
    with pytest.raises(CorpusError, match="is a file, not a folder; pass --corpus the folder"):
        corpus_files(tmp_path / "g.txt")


@pytest.mark.skipif(hasattr(__import__("os"), "geteuid") and __import__("os").geteuid() == 0, reason="root reads all")
def test_unreadable_file_is_one_line(tmp_path):
    path = write(tmp_path / "g.txt", "Guide\n\nText.\n")
    path.chmod(0)
    with pytest.raises(CorpusError, match="cannot be read .*check its permissions"):
        load_corpus(tmp_path)


# ---------------------------------------------------------------- silent bad data


@pytest.mark.parametrize(
    "name, content",
    [
        ("nul.txt", b"\x00" * 100),
        ("nul-in-guide.md", b"# Title\n\nText\x00 more text.\n"),
        ("nul.csv", b"question,answer\nWhat\x00?,Answer.\n"),
        ("nul.jsonl", b'{"question": "Q?", "answer": "A\x00"}\n'),
        ("utf16.txt", "Guide text".encode("utf-16")),
    ],
)
def test_files_with_nul_bytes_are_refused_as_binary(tmp_path, name, content):
    write(tmp_path / name, content)
    with pytest.raises(CorpusError) as err:
        load_corpus(tmp_path)
    assert "holds NUL bytes" in str(err.value) and "not a text file" in str(err.value)


@pytest.mark.parametrize(
    "name, content, where",
    [
        ("bell.csv", "question,answer\nRing\x07?,Yes.\n", ("U+0007", "line 2")),
        ("esc.txt", "Guide\n\nRed \x1b[31mtext here.\n", ("U+001B", "line 3")),
        ("eof.txt", "Guide\n\nOld DOS text.\n\x1a", ("U+001A", "line 4")),
    ],
)
def test_control_characters_never_reach_the_index(tmp_path, name, content, where):
    write(tmp_path / name, content)
    said = []
    ((doc, blocks),) = load_corpus(tmp_path, warn=said.append)
    fields = [b.text for b in blocks] + [b.question or "" for b in blocks]
    assert not any(ch in f for f in fields for ch in "\x07\x1b\x1a")
    if where:
        assert len(doc.text) == len(content)  # spans stay true to the file
        (msg,) = said
        assert all(w in msg for w in where) and "remove them" in msg


def test_json_escapes_of_control_characters_in_faq_fields_are_refused(tmp_path):
    write(tmp_path / "esc.jsonl", '{"question": "Q\\u001b[31m?", "answer": "A."}\n')
    with pytest.raises(CorpusError, match=r"esc.jsonl, line 1: 'question' holds a control character \(U\+001B\)"):
        load_corpus(tmp_path)


def test_the_same_faq_question_with_two_answers_is_a_warning_naming_both(tmp_path):
    write(tmp_path / "a.csv", "question,answer\nHow do I pay?,By card.\nWhere?,Here.\nHow do I pay? ,By card.\n")
    write(tmp_path / "b.jsonl", '{"question": "how do I  pay?", "answer": "In cash."}\n')
    said = []
    load_corpus(tmp_path, warn=said.append)
    assert said == [
        f"FAQ question 'how do I pay?' has different answers at {tmp_path / 'a.csv'}, line 2 "
        f"and {tmp_path / 'b.jsonl'}, line 1; keep one"
    ]


@pytest.mark.parametrize("content", ["[" * 100_000, '{"title": NaN}', '{"title": "x\\u0000"}'])
def test_hostile_sidecars_are_one_line_errors(tmp_path, content):
    write(tmp_path / "g.txt", "Guide\n\nText.\n")
    write(tmp_path / "g.txt.meta.json", content)
    with pytest.raises(CorpusError) as err:
        load_corpus(tmp_path)
    assert "g.txt.meta.json" in str(err.value) and "\n" not in str(err.value)


def test_deeply_nested_faq_line_is_one_line(tmp_path):
    write(tmp_path / "deep.jsonl", '{"question": "Q?", "answer": "A."}\n' + "[" * 100_000 + "\n")
    with pytest.raises(CorpusError, match=r"deep.jsonl, line 2: not valid JSON \(nested too deeply\)"):
        load_corpus(tmp_path)


def test_file_names_that_would_break_a_message_are_left_out(tmp_path):
    write(tmp_path / "good.txt", "Guide\n\nText of the guide.\n")
    write(tmp_path / "two\nlines.txt", "Guide\n\nMore.\n")
    write(tmp_path / "tab\there.csv", "question,answer\nQ?,A.\n")
    write(tmp_path / "bad\udcffbyte.md", "# G\n\nText.\n")  # a byte that is not UTF-8, as os.fsdecode gives it
    said = []
    assert [d.doc_id for d, _ in load_corpus(tmp_path, warn=said.append)] == ["good.txt"]
    assert len(said) == 3 and all("\n" not in m and m.endswith("rename it") for m in said)


def test_csv_field_over_the_csv_module_limit_says_the_fix(tmp_path):
    write(tmp_path / "long.csv", 'question,answer\nQ?,"' + "a" * 200_000 + '"\n')
    with pytest.raises(CorpusError, match=r"long.csv, line \d+: field larger than .*use JSON lines for long fields"):
        load_corpus(tmp_path)


def test_a_sidecar_is_found_when_the_corpus_folder_is_named_through_a_link(tmp_path):
    from faqrag.ingest.metadata import sidecar_path

    real = tmp_path / "real"
    real.mkdir()
    write(real / "g.txt", "Guide\n\nText.\n")
    side = write(real / "g.txt.meta.json", json.dumps({"title": "The Guide"}))
    (tmp_path / "corpus").symlink_to(real, target_is_directory=True)
    linked = tmp_path / "corpus"  # as a caller may pass it, not resolved
    assert sidecar_path(linked / "g.txt", linked) == linked / side.name
    (real / "elsewhere").mkdir()
    write(real / "g2.txt.meta.json", "{}")
    (real / "elsewhere" / "g2.txt.meta.json").symlink_to(real / "g2.txt.meta.json")
    assert sidecar_path(real / "elsewhere" / "g2.txt", linked / "elsewhere") is None  # links out of its folder
