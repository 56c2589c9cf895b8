"""Bad input through the command line, by class: whatever is wrong is one line
on stderr naming the problem and the fix, with exit code 1, before the model
loads where it can be; no traceback, no hang, nothing half written."""

from __future__ import annotations

import json
import time

import pytest

from faqrag.cli import main
from faqrag.models.choose import default_embedder as real_default_embedder
from faqrag.models.torch_embedder import SentenceTransformerEmbedder as RealEmbedder


def one_line_error(capsys, argv, *expected) -> str:
    assert main(argv) == 1
    err = capsys.readouterr().err
    # Progress lines may come first; the error is one line, the last.
    errors = [line for line in err.splitlines() if "error" in line.lower()]
    assert errors == [err.splitlines()[-1]] and errors[0].startswith("faqrag: error: "), err
    assert "Traceback" not in err
    for text in expected:
        assert text in err, err
    return err


@pytest.fixture
def no_model(monkeypatch):
    """Fails the test if anything tries to load an embedding model."""
    import faqrag.models.choose
    import faqrag.models.torch_embedder

    def refuse(*_a, **_kw):
        raise AssertionError("the model was loaded before the input was checked")

    monkeypatch.setattr(faqrag.models.torch_embedder, "SentenceTransformerEmbedder", refuse)
    monkeypatch.setattr(faqrag.models.choose, "default_embedder", refuse)


# ---------------------------------------------------------------- questions


@pytest.mark.parametrize(
    "question, message",
    [
        ("caf\udce9 hours", "lone surrogate U+DCE9"),  # invalid UTF-8 on a command line (surrogateescape)
        ("\ud800", "lone surrogate U+D800"),
        ("esc \x1b[2J", "control character (U+001B)"),
        ("nul\x00", "control character (U+0000)"),
        ("c1 \x9b", "control character (U+009B)"),
    ],
)
def test_questions_no_model_can_read_are_refused_before_it_loads(tmp_path, no_model, capsys, question, message):
    one_line_error(capsys, ["ask", "--index", str(tmp_path / "none"), question], message, "remove it")


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"question": "\\ud800 hours?"}', "question q1: the question contains an invalid character"),
        ('{"question": "bell\\u0007?"}', "question q1: the question contains a control character (U+0007)"),
        ("[" * 100_000, "line 1: not valid JSON (nested too deeply)"),
        ('{"question": "Q?", "answers": [NaN]}', "line 1: not valid JSON (NaN is not a number"),
        ('{"question": "Q?", "id": {"a": 1}}', "line 1: 'id' must be a string or a number"),
    ],
)
def test_bad_eval_questions_are_refused_before_the_model_loads(tmp_path, no_model, capsys, line, message):
    path = tmp_path / "qs.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    one_line_error(capsys, ["eval", str(path), "--index", str(tmp_path / "none")], message)


def test_eval_input_that_is_a_folder_empty_or_too_big(tmp_path, no_model, capsys, monkeypatch):
    one_line_error(capsys, ["eval", str(tmp_path)], "is a folder; pass a .jsonl or .csv file")
    (tmp_path / "empty.jsonl").write_text("\n\n")
    one_line_error(capsys, ["eval", str(tmp_path / "empty.jsonl")], "no questions found")
    import faqrag.evaluation.questions

    monkeypatch.setattr(faqrag.evaluation.questions, "MAX_QUESTIONS", 3)
    (tmp_path / "many.csv").write_text("question\n" + "Why?\n" * 4)
    one_line_error(capsys, ["eval", str(tmp_path / "many.csv")], "4 questions, over the limit of 3; split the file")
    monkeypatch.setattr(faqrag.evaluation.questions, "MAX_QUESTION_FILE_BYTES", 10)
    (tmp_path / "big.jsonl").write_text('{"question": "Q?"}\n' * 10)
    one_line_error(capsys, ["eval", str(tmp_path / "big.jsonl")], "over the 0 MiB limit; split it")


# ----------------------------------------------------------------- settings


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"abstain_below": NaN}', "NaN is not a number JSON allows"),
        ('{"abstain_below": Infinity}', "Infinity is not a number JSON allows"),
        ('{"a": ' * 100_000, "nested too deeply"),
        ('{"candidates": 1e400}', "candidates must be a whole number"),
        ('{"max_text_chars": 99999999999}', "max_text_chars must be a whole number from 1 to 100,000"),
    ],
)
def test_settings_that_would_break_an_answer(tmp_path, no_model, capsys, content, message):
    path = tmp_path / "s.json"
    path.write_text(content)
    one_line_error(capsys, ["ask", "--settings", str(path), "hello"], message)


def test_settings_path_that_is_a_folder(tmp_path, no_model, capsys):
    one_line_error(capsys, ["ask", "--settings", str(tmp_path), "hello"], "is a folder; pass --settings a JSON file")


# ----------------------------------------------------------- index and model


def edit_manifest(index, change):
    path = index / "manifest.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize(
    "model, message",
    [
        ("/tmp/some/model/folder", "built with model '/tmp/some/model/folder', which faqrag loads only when asked"),
        ("sentence-transformers/all-mpnet-base-v2", "pass it with --model, or rebuild"),
    ],
)
def test_a_manifest_cannot_choose_which_model_is_loaded(built_index, no_model, capsys, model, message, monkeypatch):
    import faqrag.models.choose
    import faqrag.models.torch_embedder

    # The real classes, which refuse before loading anything.
    monkeypatch.setattr(faqrag.models.torch_embedder, "SentenceTransformerEmbedder", RealEmbedder)
    monkeypatch.setattr(faqrag.models.choose, "default_embedder", real_default_embedder)
    edit_manifest(built_index, lambda m: m["model"].update(id=model))
    one_line_error(capsys, ["ask", "--index", str(built_index), "hello"], message)


def test_manifest_model_id_that_is_a_number(built_index, no_model, capsys):
    edit_manifest(built_index, lambda m: m["model"].update(id=42))
    for argv in (["ask", "--index", str(built_index), "hello"], ["info", "--index", str(built_index)]):
        one_line_error(capsys, argv, "field model.id is 42, not text", "rebuild it")


def test_a_manifest_naming_a_huge_corpus_folder_is_checked_quickly(built_index, tmp_path, capsys, monkeypatch):
    # A system folder, as a manifest may name: listed only up to the cap, never hashed whole.
    edit_manifest(built_index, lambda m: m["corpus"].update(dir="/usr"))
    t0 = time.perf_counter()
    assert main(["info", "--index", str(built_index)]) == 0
    assert time.perf_counter() - t0 < 3
    assert "/usr (" in capsys.readouterr().out

    import faqrag.ingest.corpus

    monkeypatch.setattr(faqrag.ingest.corpus, "MAX_LISTED_ENTRIES", 500)  # fewer files to make here than 20,000
    big = tmp_path / "big"
    for i in range(30):
        (big / f"d{i}").mkdir(parents=True)
        for j in range(30):
            (big / f"d{i}" / f"{j}.txt").write_bytes(b"x")
    edit_manifest(built_index, lambda m: m["corpus"].update(dir=str(big)))
    assert main(["info", "--index", str(built_index)]) == 0
    assert "holds over 500 files and folders" in capsys.readouterr().out


@pytest.mark.parametrize(
    "damage",
    [
        lambda ix: (ix / "vectors.faiss").unlink(),
        lambda ix: (ix / "vectors.faiss").write_bytes((ix / "vectors.faiss").read_bytes()[:-100]),
        lambda ix: (ix / "chunks.jsonl").write_text(""),
    ],
)
def test_info_says_corrupt_when_index_files_are_missing_or_truncated(built_index, capsys, damage):
    damage(built_index)
    assert main(["info", "--index", str(built_index)]) == 1
    assert "status:    CORRUPT: " in capsys.readouterr().out
    assert main(["info", "--json", "--index", str(built_index)]) == 1
    assert "is corrupt" in json.loads(capsys.readouterr().out)["problem"]


def test_index_and_corpus_paths_of_the_wrong_kind(tmp_path, guide_corpus, use_fake_model, capsys):
    (tmp_path / "file").write_text("x")
    one_line_error(capsys, ["build", "--corpus", str(guide_corpus), "--index", str(tmp_path / "file")], "is a file")
    one_line_error(capsys, ["ask", "--index", str(tmp_path / "file"), "hello"], "is a file, not an index folder")
    one_line_error(capsys, ["info", "--index", str(tmp_path / "file")], "is a file, not an index folder")
    one_line_error(capsys, ["build", "--corpus", str(tmp_path / "file")], "is a file, not a folder")
    one_line_error(capsys, ["build", "--corpus", str(guide_corpus), "--index", str(guide_corpus)], "not a faqrag index")
    assert (guide_corpus / "acme-help.txt").exists()


# ------------------------------------------------------------ bounded output


def test_answer_json_carries_no_text_longer_than_the_setting(tmp_path, use_fake_model, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    huge = "The widget is blue. " * 20_000  # 400,000 characters
    (corpus / "faq.jsonl").write_text(json.dumps({"question": "What colour is the widget?", "answer": huge}) + "\n")
    (corpus / "faq.jsonl.meta.json").write_text(json.dumps({"notice": "Note. " * 10_000, "title": "T" * 5000}))
    (corpus / "guide.txt").write_text("Guide\n\n" + "Widgets are sold in blue and green. " * 5000 + "\n")
    index = tmp_path / "index"
    assert main(["build", "--corpus", str(corpus), "--index", str(index)]) == 0
    capsys.readouterr()
    settings = tmp_path / "s.json"
    settings.write_text('{"abstain_below": 0.0}')
    assert main(["ask", "--json", "--index", str(index), "--settings", str(settings), "widget colour"]) == 0
    out = capsys.readouterr().out
    resp = json.loads(out)
    assert len(out) < 40_000

    def texts(obj):
        if isinstance(obj, str):
            yield obj
        elif isinstance(obj, dict):
            for v in obj.values():
                yield from texts(v)
        elif isinstance(obj, list):
            for v in obj:
                yield from texts(v)

    assert max(len(t) for t in texts(resp)) <= 2000
    assert resp["faq"] and resp["faq"][0]["answer"].endswith("\u2026")


def test_build_yes_is_accepted(tmp_path, guide_corpus, use_fake_model, capsys):
    assert main(["build", "--yes", "--corpus", str(guide_corpus), "--index", str(tmp_path / "ix")]) == 0


# ------------------------------------------------------------- eval outputs


def test_eval_output_paths_of_the_wrong_kind(built_index, use_fake_model, tmp_path, capsys):
    qs = tmp_path / "qs.jsonl"
    qs.write_text('{"question": "How do I reset my widget?", "answers": ["power button"]}\n')
    base = ["eval", str(qs), "--index", str(built_index)]
    assert main([*base, "--output", str(tmp_path / "new" / "dir" / "out.jsonl")]) == 0  # missing folders are made
    assert (tmp_path / "new" / "dir" / "out.jsonl").exists()
    capsys.readouterr()
    (tmp_path / "rep.json").mkdir()
    one_line_error(capsys, [*base, "--report", str(tmp_path / "rep.json")], "cannot write", "rep.json")
    one_line_error(capsys, [*base, "--compare", str(tmp_path)], "cannot read the previous report")
    (tmp_path / "f").write_text("x")
    one_line_error(capsys, [*base, "--output", str(tmp_path / "f" / "out.jsonl")], "cannot write")


def test_eval_output_into_a_pipe_writes_into_it_and_never_replaces_it(built_index, use_fake_model, tmp_path, capsys):
    import os
    import stat
    import threading

    qs = tmp_path / "qs.jsonl"
    qs.write_text('{"question": "How do I reset my widget?"}\n')
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()), daemon=True)
    reader.start()
    assert main(["eval", str(qs), "--index", str(built_index), "--output", str(fifo)]) == 0
    reader.join(timeout=10)
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # still a pipe, as /dev/stdout stays a device
    assert json.loads(got[0])["question"] == "How do I reset my widget?"


def test_an_index_folder_that_cannot_be_made_is_one_line(tmp_path, guide_corpus, use_fake_model, capsys):
    one_line_error(
        capsys, ["build", "--corpus", str(guide_corpus), "--index", "/proc/faqrag-none/index"], "cannot write the index"
    )


def test_paths_holding_undecodable_bytes_work_end_to_end(tmp_path, guide_corpus, use_fake_model, capsys):
    """Linux paths are bytes; Python hands undecodable ones over as lone surrogates."""
    corpus = guide_corpus.rename(tmp_path / "corpus-\udcff")
    index = tmp_path / "index-\udcfe"
    assert main(["build", "--corpus", str(corpus), "--index", str(index)]) == 0
    assert "built " in capsys.readouterr().out
    assert main(["info", "--json", "--index", str(index)]) == 0
    out = capsys.readouterr().out
    assert json.loads(out)["manifest"]["corpus"]["dir"] == str(corpus)
    assert json.loads(out)["stale_files"] == []
    assert main(["ask", "--json", "--index", str(index), "How do I reset my widget?"]) == 0
    assert json.loads(capsys.readouterr().out)["answer"]


@pytest.mark.parametrize("question", ["\u200b \u200b", "\ufeff", "\u2060\u200d", " \t\n"])
def test_invisible_questions_are_empty(tmp_path, no_model, capsys, question):
    one_line_error(capsys, ["ask", "--index", str(tmp_path / "none"), question], "the question is empty")


def test_a_file_system_refusal_no_check_foresaw_is_one_line(built_index, capsys, monkeypatch):
    import faqrag.index.manifest

    def refuse(*_a, **_kw):
        raise PermissionError(13, "Permission denied", str(built_index / "manifest.json"))

    monkeypatch.setattr(faqrag.index.manifest, "read_manifest", refuse)
    one_line_error(capsys, ["info", "--index", str(built_index)], "Permission denied", "manifest.json", "permissions")
