"""Every JSON faqrag reads goes through the one bounded loader (limits.loads): a
file nested 100,000 deep, holding NaN, or of the wrong shape is a one-line
error naming it, wherever it is read."""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import pytest

from faqrag.errors import FaqragError

PKG = Path(__file__).resolve().parent.parent / "src" / "faqrag"
DEEP = "[" * 100_000 + "]" * 100_000
BAD = [DEEP, '{"a":' * 50_000 + "1" + "}" * 50_000, "[NaN]", '{"x": Infinity}', "{not json", ""]


def test_no_json_is_parsed_outside_the_bounded_loader():
    calls = []
    for path in sorted(PKG.rglob("*.py")):
        if path.name == "limits.py" and path.parent == PKG:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("load", "loads")
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in ("json", "orjson", "ujson", "simplejson")
            ):
                calls.append(f"{path.relative_to(PKG)}:{node.lineno}")
    assert not calls, f"parse JSON with faqrag.limits.loads, not: {calls}"


# Whole-file reads with no cap: index files the build wrote and the manifest checks
# (their sizes follow the corpus limits), and files inside the installed package.
UNCAPPED = {"index/store.py", "search/spelling.py", "serve/widget.py"}  # the last two: files in the package


def test_no_file_is_read_whole_outside_the_capped_readers():
    calls = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG).as_posix()
        if rel in UNCAPPED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr in ("read_text", "read_bytes"):
                    calls.append(f"{rel}:{node.lineno}")
    assert not calls, f"read files through faqrag.limits.read_capped / read_bytes_capped, not: {calls}"


@pytest.mark.parametrize("text", BAD, ids=["deep-list", "deep-object", "nan", "infinity", "broken", "empty"])
def test_a_bad_calibration_file_is_one_line_naming_it(built_index, text):
    from faqrag.index.calibration import calibrated
    from faqrag.settings import Settings

    (built_index / "calibration.json").write_text(text, encoding="utf-8")
    with pytest.raises(FaqragError, match="calibration.json") as err:
        calibrated(built_index, Settings())
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("text", [*BAD, '{"name": "x"}', "[1, 2]"], ids=lambda t: t[:12])
def test_a_bad_sets_registry_is_one_line_naming_it(tmp_path, text):
    from faqrag.learn.staging import labelled_sets

    registry = tmp_path / "eval" / "sets.json"
    registry.parent.mkdir()
    registry.write_text(text, encoding="utf-8")
    with pytest.raises(FaqragError, match="sets.json") as err:
        labelled_sets(tmp_path / "corpus", registry, None)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("text", BAD[:4], ids=["deep-list", "deep-object", "nan", "infinity"])
def test_a_bad_model_folder_is_a_reason_not_a_traceback(tmp_path, text):
    from faqrag.models.onnx_embedder import unsupported_reason

    (tmp_path / "modules.json").write_text(text, encoding="utf-8")
    assert "not a local sentence-transformers folder" in unsupported_reason(tmp_path)


@pytest.mark.parametrize("body", [DEEP.encode(), b"[NaN]", b'{"question": 1}', b"\xff\xfe"], ids=str)
def test_a_bad_server_reply_is_one_line(body):
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from faqrag.serve.client import ask_server

    class Reply(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Reply)
    threading.Thread(target=server.handle_request, daemon=True).start()
    try:
        with pytest.raises(FaqragError) as err:
            ask_server(f"http://127.0.0.1:{server.server_port}", "hello?", timeout=10)
        assert "\n" not in str(err.value) and "faqrag" in str(err.value) and "server at" in str(err.value)
    finally:
        server.server_close()


def test_the_bounded_loader_reads_good_json():
    from faqrag.limits import loads

    assert loads(json.dumps({"a": [1, 2.5, None, "x"]})) == {"a": [1, 2.5, None, "x"]}


@pytest.mark.parametrize(
    "before, after",
    [
        ("", "b\n"),
        ("a", "a\nb\n"),
        ("a\n", "a\nb\n"),
        ("a\r\n", "a\r\nb\n"),
        ("\n", "\nb\n"),
        ('a,"q"', 'a,"q"\nb\n'),
        ('{"x": 1}', '{"x": 1}\nb\n'),
    ],
)
def test_appends_start_on_a_fresh_line(tmp_path, before, after):
    from faqrag.files import append_lines

    for name in ("reviewed-faq.csv", "alternates.jsonl", "reviewed.jsonl"):
        path = tmp_path / name
        path.write_bytes(before.encode())
        append_lines(path, "b\n", within=tmp_path)
        assert path.read_bytes().decode() == after


@pytest.mark.parametrize(
    "line, words",
    [
        ('{"question": 12345}', "'question' must be a string, not int"),
        ('{"question": ["a"]}', "'question' must be a string, not list"),
        ('{"question": {"q": 1}}', "'question' must be a string, not dict"),
        ('{"question": true}', "'question' must be a string, not bool"),
        ('{"question": "   "}', "'question' is missing or empty"),
        ('{"answers": ["x"]}', "'question' is missing or empty"),
        ('{"question": "q?", "id": [1]}', "'id' must be a string or a number, not list"),
        ('{"question": "q?", "id": true}', "'id' must be a string or a number, not true/false"),
        ('{"question": "q?", "type": {"a": 1}}', "'type' must be a string or a number, not dict"),
        ('{"question": "q?", "answers": "x"}', None),
        ('{"question": "q?", "answers": [1]}', "'answers' must be a list of strings"),
    ],
)
def test_eval_file_fields_of_the_wrong_type_are_named(tmp_path, line, words):
    from faqrag.evaluation.questions import load_questions

    path = tmp_path / "q.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    if words is None:
        assert load_questions(path)[0].question == "q?"
        return
    with pytest.raises(FaqragError, match=f"line 1: {words}".replace("[", r"\[")):
        load_questions(path)


def test_eval_ids_may_be_decimal_numbers_and_a_json_array_is_named(tmp_path):
    from faqrag.evaluation.questions import load_questions

    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "a?", "id": 1.5}\n{"question": "b?", "id": 2}\n', encoding="utf-8")
    assert [q.id for q in load_questions(path)] == ["1.5", "2"]
    for name in ("q.json", "q.jsonl"):
        for whole, what in (
            ('[{"question": "a?"}]', "not one JSON array"),
            ('[\n  {"question": "a?"},\n  {"question": "b?"}\n]\n', "not one JSON array"),
            ('{\n  "question": "a?",\n  "answers": ["x"]\n}\n', "not one JSON object written over several lines"),
        ):
            arr = tmp_path / name
            arr.write_text(whole, encoding="utf-8")
            with pytest.raises(FaqragError, match=f"must be JSON lines \\(one object per line\\), {what}"):
                load_questions(arr)


# ------------------------------------------------ files that never end or do not fit


def _endless(path: Path, kind: str) -> None:
    """A file faqrag reads, made something that reads without end or blocks."""
    path.unlink(missing_ok=True)
    if kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)  # no writer: an open() for reading waits for good
    else:
        with path.open("wb") as fh:
            fh.truncate(3 * 2**30)  # 3 GB of zeros, sparse


ENDLESS = ["dev-zero", "fifo", "huge"]


@pytest.mark.parametrize("kind", ENDLESS)
def test_a_file_faqrag_keeps_that_never_ends_is_one_line_not_a_hang(tmp_path, built_index, kind):
    from faqrag.index.calibration import calibrated
    from faqrag.learn import review
    from faqrag.learn.staging import labelled_sets
    from faqrag.settings import Settings

    cal, sets, reviewed = built_index / "calibration.json", tmp_path / "eval" / "sets.json", tmp_path / "r.jsonl"
    sets.parent.mkdir()
    readers = {
        cal: lambda: calibrated(built_index, Settings()),
        sets: lambda: labelled_sets(tmp_path / "corpus", sets, None),
        reviewed: lambda: review.not_covered(reviewed, ["Is this a question?"]),
    }
    for path, read in readers.items():
        _endless(path, kind)
        done = _within(read, seconds=20)
        if path.is_file() or path.suffix == ".jsonl":  # a device or pipe where a JSON file was is not read at all
            assert isinstance(done, FaqragError) and path.name in str(done) and "\n" not in str(done), (path, done)
        else:
            assert not isinstance(done, BaseException) or isinstance(done, FaqragError), (path, done)


@pytest.mark.parametrize("kind", ["dev-zero", "huge"])
def test_a_named_file_that_never_ends_is_one_line(tmp_path, kind):
    from faqrag.evaluation.questions import load_questions
    from faqrag.evaluation.report import read_report

    for name, read in (("q.jsonl", load_questions), ("old.json", read_report)):
        path = tmp_path / name
        _endless(path, kind)
        done = _within(lambda path=path, read=read: read(path), seconds=20)
        assert isinstance(done, FaqragError) and name in str(done), done
        assert "limit" in str(done) or "over" in str(done), done


def _within(work, seconds: float):
    """What ``work`` returned or raised, failing the test if it runs past ``seconds``."""
    import threading

    box: list = []

    def run():
        try:
            box.append(work())
        except BaseException as err:  # noqa: BLE001  # the test judges what came out
            box.append(err)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), "still reading"
    return box[0]


@pytest.mark.parametrize(
    "name, text",
    [
        ("sentence_bert_config.json", DEEP),
        ("sentence_bert_config.json", '{"max_seq_length": "x"}'),
        ("sentence_bert_config.json", '{"max_seq_length": 1e400}'),
        ("config.json", '{"hidden_size": "x"}'),
        ("config.json", '{"hidden_size": -4}'),
        ("config.json", DEEP),
        ("modules.json", '[{"type": 5}]'),
        ("modules.json", "/dev/zero"),
    ],
)
def test_a_model_folders_json_of_any_wrong_kind_is_a_reason(tmp_path, name, text):
    import shutil

    from faqrag.models.embedder import resolve_model
    from faqrag.models.onnx_embedder import OnnxEmbedder, unsupported_reason

    _, location = resolve_model(None)
    folder = tmp_path / "model"
    shutil.copytree(location, folder, ignore=shutil.ignore_patterns("*.safetensors", "*.bin", "onnx", "openvino"))
    if text == "/dev/zero":
        _endless(folder / name, "dev-zero")
    else:
        (folder / name).write_text(text, encoding="utf-8")
    assert "not a local sentence-transformers folder" in unsupported_reason(folder)
    with pytest.raises(FaqragError, match="cannot run on ONNX Runtime"):
        OnnxEmbedder(str(folder))


@pytest.mark.parametrize("shape", ["endless", "trickle"])
def test_a_server_reply_that_never_ends_is_one_line(shape):
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from faqrag.serve.client import ask_server

    class Reply(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.end_headers()
            try:
                for _ in range(2_000 if shape == "endless" else 40):
                    self.wfile.write(b"[" * 65_536 if shape == "endless" else b" ")
                    self.wfile.flush()
                    if shape == "trickle":
                        time.sleep(0.25)
            except OSError:
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Reply)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        t0 = time.monotonic()
        with pytest.raises(FaqragError, match="is it a faqrag server") as err:
            ask_server(f"http://127.0.0.1:{server.server_port}", "hello?", timeout=1)
        assert "\n" not in str(err.value) and time.monotonic() - t0 < 8
    finally:
        server.shutdown()
        server.server_close()


# ------------------------------------------------ torn last lines, named by their line

TORN = {
    "json cut": b'{"question": "How do I pa',
    "csv quote open": b'"How do I pay?,"By ca',
    "half a row": b"How do I pay",
    "utf-8 cut": b'{"question": "caf\xc3',
    "nul tail": b"\x00\x00\x00\x00",
}


@pytest.mark.parametrize("kind", list(TORN))
@pytest.mark.parametrize("name", ["alternates.jsonl", "reviewed-faq.csv", "reviewed.jsonl"])
def test_a_torn_last_line_is_named_by_its_line_after_an_append_too(tmp_path, name, kind):
    """A crash mid-append (or a hand edit) leaves a torn last line: the next append starts
    on a fresh line, so the rows stay whole, and every reader names the torn line."""
    from faqrag.evaluation.questions import load_questions
    from faqrag.files import append_lines
    from faqrag.ingest.corpus import read_corpus

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "g.txt").write_text("Title\n\nSome text here.\n", encoding="utf-8")
    good = {
        "alternates.jsonl": b'{"question": "a?", "doc": "g.txt", "target": "Title"}\n' * 2,
        "reviewed-faq.csv": b"question,answer\nHow?,Like this.\n",
        "reviewed.jsonl": b'{"question": "a?"}\n{"question": "b?"}\n',
    }[name]
    path = (tmp_path if name == "reviewed.jsonl" else corpus) / name
    path.write_bytes(good + TORN[kind])
    row = {
        "alternates.jsonl": '{"question": "c?", "doc": "g.txt", "target": "Title"}\n',
        "reviewed-faq.csv": "Why?,Because.\n",
        "reviewed.jsonl": '{"question": "c?"}\n',
    }[name]
    append_lines(path, row, within=path.parent)
    assert path.read_bytes().endswith(TORN[kind] + b"\n" + row.encode())  # the new row is whole
    with pytest.raises(FaqragError) as err:
        load_questions(path) if name == "reviewed.jsonl" else read_corpus(corpus)
    assert f"{name}, line 3:" in str(err.value) and "\n" not in str(err.value), err.value
