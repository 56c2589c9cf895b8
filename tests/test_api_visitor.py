"""What the API gives visitors and the people trying it from /docs: examples from the
index served, the bearer scheme, unknown fields named, feedback by reference, the
widget's files. In process, with the fake embedder and the small guide."""

from __future__ import annotations

import re
import time

import pytest
from fastapi.testclient import TestClient
from test_serve import FAST, wait_ready

from faqrag.engine import example_questions
from faqrag.index.store import load_index
from faqrag.learn import qlog
from faqrag.serve.app import create_app
from faqrag.settings import Settings

HANDOFF = Settings(handoff="https://help.example/contact", handoff_label="Contact the help team")


@pytest.fixture
def api(built_index, fake_embedder, monkeypatch):
    monkeypatch.delenv(qlog.ENV, raising=False)
    app = create_app(built_index, embedder_factory=lambda _m: fake_embedder, serve=FAST, api_token="s3cret",
                     settings=HANDOFF)  # fmt: skip
    with TestClient(app, raise_server_exceptions=False) as c:
        wait_ready(c)
        yield c


def _operations(schema: dict):
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            yield path, method, op


def test_docs_have_an_example_from_the_served_index_for_every_endpoint(api, built_index):
    schema = api.get("/openapi.json").json()
    asked = example_questions(load_index(built_index).chunks, 2)
    for path, method, op in _operations(schema):
        for media in op.get("requestBody", {}).get("content", {}).values():
            assert "example" in media and "string" not in str(media["example"]), (path, method)
        ok = op["responses"].get("200") or op["responses"].get("202")
        for media in ok.get("content", {}).values():
            assert media.get("example"), (path, method)  # every answer shape shown filled in
    ask = schema["paths"]["/v1/ask"]["post"]
    assert ask["requestBody"]["content"]["application/json"]["example"] == {"question": asked[0], "k": 3}
    answer = ask["responses"]["200"]["content"]["application/json"]["example"]
    assert answer["question"] == asked[0] and answer["answer"]["text"]  # answered by this index
    batch = schema["paths"]["/v1/ask/batch"]["post"]["requestBody"]["content"]["application/json"]["example"]
    assert batch["questions"] == asked


def test_docs_offer_authorize_for_the_write_endpoint(api):
    schema = api.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "The server's FAQRAG_API_TOKEN; write endpoints are off without one.",
    }
    assert schema["paths"]["/v1/rebuild"]["post"]["security"] == [{"bearer": []}]
    assert "security" not in schema["paths"]["/v1/ask"]["post"]  # asking needs no token
    assert api.post("/v1/rebuild").status_code == 401
    assert api.post("/v1/rebuild", headers={"Authorization": "Bearer wrong"}).status_code == 401


@pytest.mark.parametrize(
    ("path", "body", "unknown", "takes"),
    [
        ("/v1/ask", {"q": "hi"}, "'q'", "question, k"),
        ("/v1/ask", {"question": "hi", "K": 3}, "'K'", "question, k"),
        ("/v1/ask", {"question": "hi", "top_k": 3, "lang": "en"}, "'top_k', 'lang'", "question, k"),
        ("/v1/ask/batch", {"question": "hi"}, "'question'", "questions, k"),
        ("/v1/feedback", {"id": 3, "helpful": True}, "'id'", "ref, helpful"),
    ],
)
def test_an_unknown_field_is_named_with_the_fields_the_body_takes(api, path, body, unknown, takes):
    r = api.post(path, json=body)
    assert r.status_code == 422
    message = r.json()["error"]
    assert message.startswith(f"unknown field{'s' if ',' in unknown else ''} {unknown}; the body takes {takes}")
    assert "\n" not in message


def test_feedback_names_an_answer_by_its_ref_and_a_no_gets_the_way_to_a_person(api, built_index):
    answer = api.post("/v1/ask", json={"question": "How do I reset my widget?"}).json()
    assert re.fullmatch(r"[A-Za-z0-9_-]{16}", answer["ref"])
    assert answer["handoff"]["target"] == "https://help.example/contact"
    r = api.post("/v1/feedback", json={"ref": answer["ref"], "helpful": False})
    assert r.status_code == 202
    assert r.json() == {"recorded": True, "handoff": answer["handoff"]}
    yes = api.post("/v1/ask", json={"question": "What are the hours in the Southern Region?"}).json()
    r = api.post("/v1/feedback", json={"ref": yes["ref"], "helpful": True})
    assert r.status_code == 202 and r.json()["handoff"] is None
    db = qlog.log_path(built_index)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        rows = {r.question: r for r in qlog.recent(db)} if db.exists() else {}
        if all(q in rows and rows[q].helpful is not None for q in ("How do I reset my widget?", yes["question"])):
            break
        time.sleep(0.05)
    assert rows["How do I reset my widget?"].helpful is False and rows["How do I reset my widget?"].handed_off
    assert rows[yes["question"]].helpful is True and not rows[yes["question"]].handed_off


@pytest.mark.parametrize(
    "body",
    [
        {"ref": "short", "helpful": True},
        {"ref": "a" * 65, "helpful": True},
        {"ref": "../../etc/passwd", "helpful": True},
        {"ref": "abcdefgh12", "helpful": "yes"},
        {"ref": 12345678, "helpful": True},
        {"helpful": False},
    ],
)
def test_bad_feedback_is_a_one_line_422(api, body):
    r = api.post("/v1/feedback", json=body)
    assert r.status_code == 422 and "\n" not in r.json()["error"]


def test_without_a_log_feedback_is_refused_and_answers_carry_no_ref(built_index, fake_embedder, monkeypatch):
    monkeypatch.setenv(qlog.ENV, "off")
    app = create_app(built_index, embedder_factory=lambda _m: fake_embedder, serve=FAST, api_token="")
    with TestClient(app, raise_server_exceptions=False) as c:
        wait_ready(c)
        assert c.post("/v1/ask", json={"question": "reset widget"}).json()["ref"] is None
        r = c.post("/v1/feedback", json={"ref": "abcdefgh12", "helpful": False})
        assert r.status_code == 409 and "logging is off" in r.json()["error"]


def test_the_widget_is_served_whole_from_the_package(api):
    js = api.get("/widget.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    css = api.get("/widget.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    for body in (js.text, css.text):
        assert not re.search(r"https?://(?!HOST)", body.split("*/", 1)[-1])  # nothing fetched from elsewhere
    assert "innerHTML" not in js.text  # answer text is only ever set as text
    assert api.get("/widget.js?path=../app.py").text == js.text  # the route takes no file name
    assert "/widget.js" not in api.get("/openapi.json").json()["paths"]
    assert api.head("/widget.js").status_code == 200


def test_feedback_is_taken_while_the_index_cannot_be_served(tmp_path, fake_embedder, monkeypatch):
    """A visitor answered before a restart says "No" while the new process cannot serve
    (loading, or a broken index): the answer is in the log, so the feedback is kept."""
    db = tmp_path / "log.db"
    monkeypatch.setenv(qlog.ENV, str(db))
    qlog.log_answer(
        db, "How do I reset it?", {"abstained": False, "confidence": 0.9, "ref": "ref-before-restart"}, "api"
    )
    broken = tmp_path / "index"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json")
    app = create_app(broken, embedder_factory=lambda _m: fake_embedder, serve=FAST, api_token="")
    with TestClient(app, raise_server_exceptions=False) as c:
        deadline = time.monotonic() + 10
        while c.get("/v1/health").json().get("error", "").startswith("the index is still loading"):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert c.post("/v1/ask", json={"question": "reset"}).status_code == 503
        r = c.post("/v1/feedback", json={"ref": "ref-before-restart", "helpful": False})
        assert r.status_code == 202 and r.json() == {"recorded": True, "handoff": None}
    [row] = qlog.recent(db)
    assert row.helpful is False
