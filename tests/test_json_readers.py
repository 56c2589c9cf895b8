"""Every JSON faqrag reads goes through the one bounded loader (limits.loads): a
file nested 100,000 deep, holding NaN, or of the wrong shape is a one-line
error naming it, wherever it is read."""

from __future__ import annotations

import ast
import json
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
        append_lines(path, "b\n")
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
        arr = tmp_path / name
        arr.write_text('[{"question": "a?"}]', encoding="utf-8")
        with pytest.raises(FaqragError, match="must be JSON lines"):
            load_questions(arr)
