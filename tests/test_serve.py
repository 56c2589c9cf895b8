"""The HTTP API driven in process with FastAPI's TestClient and the fake embedder."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from conftest import FakeEmbedder
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from faqrag.answer.records import Response
from faqrag.engine import Engine, check_question
from faqrag.errors import FaqragError, QuestionError
from faqrag.index.build import build_index
from faqrag.index.store import load_index
from faqrag.serve.app import create_app
from faqrag.serve.batching import MicroBatcher
from faqrag.serve.schema import AskResponse
from faqrag.serve.settings import ServeSettings
from faqrag.settings import Settings

FAST = ServeSettings(watch_interval_s=0.05)


def wait_ready(client: TestClient, seconds: float = 10) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        r = client.get("/v1/health")
        if r.status_code == 200:
            return r.json()
        time.sleep(0.02)
    raise AssertionError(f"not ready: {r.json()}")


def wait_for(predicate, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("timed out")


@pytest.fixture
def client(built_index, fake_embedder):
    app = create_app(built_index, embedder_factory=lambda _m: fake_embedder, serve=FAST, api_token="")
    with TestClient(app, raise_server_exceptions=False) as c:
        wait_ready(c)
        yield c


def post(client, path, body: bytes | str, **headers):
    return client.post(path, content=body, headers={"content-type": "application/json", **headers})


# ------------------------------------------------------------ answering


@pytest.mark.parametrize("question", ["  How do I reset my widget? ", "How do I resett my widgett?"])
def test_ask_returns_exactly_the_cli_answer_json(client, built_index, fake_embedder, question):
    r = client.post("/v1/ask", json={"question": question, "k": 3})
    assert r.status_code == 200
    got = r.json()
    want = Engine(load_index(built_index), fake_embedder).ask(question, k=3).to_dict()
    assert set(got) == set(want)  # a field added to Response must reach the API too
    got_t, want_t = got.pop("timings_ms"), want.pop("timings_ms")
    assert isinstance(got.pop("ref"), str) and want.pop("ref") is None  # the server's log reference alone differs
    assert got == want
    assert set(got_t) == {"embed", "search", "compose", "total"} == set(want_t)
    assert len(got["passages"]) == 3 and got["answer"]["text"].startswith("Hold the power button")
    documented = client.get("/openapi.json").json()["components"]["schemas"]["Response"]["properties"]
    assert set(documented) == set(want) | {"timings_ms", "ref"}  # the schema at /docs is the answer JSON
    assert Response.from_dict(r.json()).to_dict() == r.json()  # and ask --server reads all of it back
    schema = TypeAdapter(AskResponse)
    schema.validate_python(r.json())
    for each in client.post("/v1/ask/batch", json={"questions": ["zebra quantum", "reset widget"]}).json()["answers"]:
        schema.validate_python(each)


@pytest.mark.parametrize(
    ("question", "answers"),
    [("How do I reset my widget?", None), ("widget reset button hold", "How do I reset my widget?")],
)
def test_ask_json_the_api_and_the_client_carry_one_schema(
    client, built_index, use_fake_model, capsys, question, answers
):
    """One record, three shells: `faqrag ask --json`, POST /v1/ask and the HTTP client's
    round trip give the same fields and values (timings and the server's log reference
    aside), the question an answer answers among them."""
    import json

    from faqrag.cli import main

    assert main(["ask", "--index", str(built_index), "--json", "--k", "3", question]) == 0
    cli = json.loads(capsys.readouterr().out)
    api = client.post("/v1/ask", json={"question": question, "k": 3}).json()
    back = Response.from_dict(api).to_dict()
    assert api["ref"] and api["ref"] == back["ref"] and cli["ref"] is None  # only the server logs by reference
    for d in (cli, api, back):
        d.pop("timings_ms")
        d.pop("ref")
    assert cli == api == back
    assert api["answer"]["question_answered"] == answers


def test_the_fast_path_and_the_long_way_give_the_same_answer(client, built_index, fake_embedder):
    # "application/json" is answered by FastAsk; "+json" types go through FastAPI's own route.
    q = "What are the hours in the Southern Region?"
    got = []
    for kind in ("application/json", "application/vnd.faqrag+json"):
        r = post(client, "/v1/ask", json.dumps({"question": q, "k": 4}), **{"content-type": kind})
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        body = r.json()
        body.pop("timings_ms")
        body.pop("ref")
        got.append(body)
    want = Engine(load_index(built_index), fake_embedder).ask(q, k=4).to_dict()
    want.pop("timings_ms")
    want.pop("ref")
    assert got[0] == got[1] == want


def test_a_plain_json_question_never_reaches_the_framework_route(client):
    """FastAsk answers it; anything it does not take (another type, a bad body, one
    sent in several chunks over the limit) reaches FastAPI's route with its body intact."""
    route = next(r for r in client.app.router.routes if getattr(r, "path", None) == "/v1/ask")
    inner, calls = route.app, []

    async def counting(scope, receive, send):
        calls.append(scope["headers"])
        await inner(scope, receive, send)

    route.app = counting
    try:
        assert client.post("/v1/ask", json={"question": "reset widget"}).status_code == 200
        assert calls == []  # the fast path answered
        r = post(client, "/v1/ask", json.dumps({"question": "reset widget"}), **{"content-type": "application/x+json"})
        assert r.status_code == 200 and len(calls) == 1
        r = client.post("/v1/ask", json={"question": "reset widget", "extra": 1})
        assert r.status_code == 422 and "extra" in r.json()["error"] and len(calls) == 2  # replayed, not lost

        def chunks():
            yield b'{"question": '
            yield b'"reset widget", "k": "x"}'

        r = client.post("/v1/ask", content=chunks(), headers={"Content-Type": "application/json"})
        assert r.status_code == 422 and len(calls) == 3  # a body in several messages is replayed whole
    finally:
        route.app = inner


def test_batch_answers_in_order_and_like_single_asks(client):
    qs = ["How do I reset my widget?", "What are the hours in the Southern Region?", "Riverton phone number"]
    r = client.post("/v1/ask/batch", json={"questions": qs})
    assert r.status_code == 200
    answers = r.json()["answers"]
    assert [a["question"] for a in answers] == qs
    for q, a in zip(qs, answers):
        single = client.post("/v1/ask", json={"question": q}).json()
        assert a["answer"] == single["answer"] and a["confidence"] == single["confidence"]


def test_health_info_and_docs(client, tmp_path):
    assert client.get("/v1/health").json()["ready"] is True
    r = client.get("/v1/info")
    assert r.status_code == 200
    body = r.json()
    assert body["manifest"]["counts"]["chunks"] > 5 and body["stale"] is False
    assert body["manifest"]["corpus"]["dir"] == "corpus"
    assert str(tmp_path) not in r.text  # never the server's absolute paths
    assert "/v1/ask" in client.get("/openapi.json").json()["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "cdn." not in docs.text  # served from the package: works offline
    for asset in ("/swagger/swagger-ui-bundle.js", "/swagger/swagger-ui.css"):
        assert client.get(asset).status_code == 200 and asset in docs.text


def test_info_says_stale_when_the_corpus_changed(client, guide_corpus, tmp_path):
    (guide_corpus / "acme-help.txt").write_text("Changed\n\nA new paragraph.\n", encoding="utf-8")
    body = client.get("/v1/info").json()
    assert body["stale"] is True and body["stale_files"] == ["acme-help.txt"]
    shutil.rmtree(guide_corpus)
    r = client.get("/v1/info")
    assert r.json()["stale"] is True and str(tmp_path) not in r.text


def test_not_ready_while_loading_is_503_not_an_error(built_index, fake_embedder):
    release = threading.Event()

    def slow_factory(_model):
        release.wait(10)
        return fake_embedder

    app = create_app(built_index, embedder_factory=slow_factory, serve=FAST)
    with TestClient(app) as c:
        h = c.get("/v1/health")
        assert h.status_code == 503 and h.json()["live"] is True and h.json()["ready"] is False
        r = c.post("/v1/ask", json={"question": "reset"})
        assert r.status_code == 503 and "loading" in r.json()["error"] and r.headers["retry-after"]
        release.set()
        wait_ready(c)
        assert c.post("/v1/ask", json={"question": "reset"}).status_code == 200


def test_an_index_that_cannot_load_says_why_on_health(built_index, fake_embedder):
    app = create_app(built_index, embedder_factory=lambda _m: FakeEmbedder(model_id="other"), serve=FAST)
    with TestClient(app) as c:
        wait_for(lambda: "model" in c.get("/v1/health").json()["error"])
        r = c.post("/v1/ask", json={"question": "reset"})
        assert r.status_code == 503 and "rebuild" in r.json()["error"]


def test_a_server_started_before_its_index_serves_once_it_is_built(tmp_path, guide_corpus, fake_embedder):
    index = tmp_path / "later-index"
    app = create_app(index, embedder_factory=lambda _m: fake_embedder, serve=FAST)
    with TestClient(app) as c:
        wait_for(lambda: c.get("/v1/health").json()["error"] != "the index is still loading")
        h = c.get("/v1/health")
        assert h.status_code == 503
        assert h.json()["error"] == "no index at later-index; build it with 'faqrag build --index later-index'"
        r = c.post("/v1/ask", json={"question": "reset"})
        assert r.status_code == 503 and str(tmp_path) not in r.text
        build_index(guide_corpus, index, fake_embedder)
        wait_ready(c)
        assert c.post("/v1/ask", json={"question": "reset my widget"}).status_code == 200


# ------------------------------------------------------------ bad input


QUESTION_CASES = {
    "empty": "",
    "spaces": "   ",
    "zero-width": "\u200b\u200b",
    "tabs": "\t\n",
    "long": "x" * 2001,
    "nul": "reset\x00 widget",
    "esc": "reset \x1b[31m widget",
    "lone-surrogate": "reset \ud800 widget",
    "undecodable-byte": b"reset \xff widget".decode("utf-8", "surrogateescape"),
}


@pytest.mark.parametrize("question", QUESTION_CASES.values(), ids=QUESTION_CASES.keys())
def test_bad_questions_are_400_with_the_cli_message(client, question):
    with pytest.raises(QuestionError) as cli:
        check_question(question, Settings())
    r = post(client, "/v1/ask", json.dumps({"question": question}))  # ASCII JSON: "\ud800" escaped as clients send it
    assert r.status_code == 400 and r.json() == {"error": str(cli.value)}


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"",
        b"[]",
        b"null",
        b'"reset"',
        b"\xff\xfe{}",
        b'{"question": 5}',
        b'{"question": ["reset"]}',
        b'{"question": null}',
        b'{"question": {"text": "reset"}}',
        b'{"k": 3}',
        b'{"question": "reset", "k": "5"}',
        b'{"question": "reset", "k": true}',
        b'{"question": "reset", "k": 0}',
        b'{"question": "reset", "k": 51}',
        b'{"question": "reset", "k": 2.5}',
        b'{"question": "reset", "extra": 1}',
    ],
)
def test_malformed_bodies_are_422_one_line_json(client, body):
    r = post(client, "/v1/ask", body)
    assert r.status_code == 422
    msg = r.json()["error"]
    assert msg and "\n" not in msg and "Traceback" not in r.text


@pytest.mark.parametrize("kind", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_a_body_not_sent_as_json_is_415(client, kind):
    headers = {"content-type": kind} if kind else {}
    r = client.post("/v1/ask", content=b'{"question": "reset"}', headers=headers)
    assert r.status_code == 415 and "Content-Type: application/json" in r.json()["error"]
    ok = client.post(
        "/v1/ask", content=b'{"question": "reset"}', headers={"content-type": "application/json; charset=utf-8"}
    )
    assert ok.status_code == 200


def test_malformed_json_says_so(client):
    assert "not valid JSON" in post(client, "/v1/ask", b'{"question": ').json()["error"]
    assert "JSON object" in post(client, "/v1/ask", b"[1]").json()["error"]


@pytest.mark.parametrize("size", [65_537, 1_000_000])
def test_too_large_bodies_are_413(client, size):
    body = json.dumps({"question": "x" * size}).encode()
    r = post(client, "/v1/ask", body)
    assert r.status_code == 413 and "bytes" in r.json()["error"]


def test_too_large_body_without_a_length_is_413(client):
    def chunks():
        yield b'{"question": "'
        for _ in range(100):
            yield b"x" * 1000
        yield b'"}'

    r = client.post("/v1/ask", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


@pytest.mark.parametrize(
    "body, status, words",
    [
        ({"questions": ["reset"] * 33}, 422, "limit is 32"),
        ({"questions": []}, 422, "questions"),
        ({"questions": "reset"}, 422, "questions"),
        ({"questions": ["reset", 5]}, 422, "questions.1"),
        ({"questions": ["reset", "  "]}, 400, "question 2: the question is empty"),
    ],
)
def test_bad_batches(client, body, status, words):
    r = client.post("/v1/ask/batch", json=body)
    assert r.status_code == status and words in r.json()["error"]


def test_unknown_paths_methods_and_unreadable_bodies_say_what_to_do(client):
    r = client.get("/v1/nope")
    assert r.status_code == 404 and r.json() == {
        "error": "no such endpoint /v1/nope; the API is under /v1 (/v1/ask, /v1/health; see /docs)"
    }
    root = client.get("/", follow_redirects=False)  # a person opening the server's address gets the docs
    assert root.status_code in (302, 307) and root.headers["location"].endswith("/docs")
    r = client.get("/v1/ask")
    assert r.status_code == 405 and r.json() == {"error": "GET is not allowed on /v1/ask; use POST"}
    for body in (b'{"question": "\xff\xfe"}', b"\xff" * 10, b"[" * 20000 + b"]" * 20000):
        r = client.post("/v1/ask", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code in (400, 422) and "send a JSON object" in r.json()["error"], (body[:20], r.text)
    r = client.post("/v1/ask", json={"k": 3})
    assert r.status_code == 422 and r.json()["error"] == "question: Field required; the bodies are described at /docs"


def test_unexpected_errors_are_500_without_a_traceback(built_index):
    class Broken(FakeEmbedder):
        def encode(self, texts, **kw):
            if texts != ["warm up"]:
                raise RuntimeError("secret internals /srv/model")
            return super().encode(texts, **kw)

    app = create_app(built_index, embedder_factory=lambda _m: Broken(), serve=FAST)
    with TestClient(app, raise_server_exceptions=False) as c:
        wait_ready(c)
        r = c.post("/v1/ask", json={"question": "reset"})
        assert r.status_code == 500 and r.json() == {"error": "internal error; the server log has the details"}
        assert c.post("/v1/ask", json={"question": "reset again"}).status_code == 500  # the embed thread lives on


def test_slow_embedding_is_cut_off_at_the_request_timeout(built_index):
    class Slow(FakeEmbedder):
        def encode(self, texts, **kw):
            if texts != ["warm up"]:
                time.sleep(0.5)
            return super().encode(texts, **kw)

    app = create_app(built_index, embedder_factory=lambda _m: Slow(), serve=ServeSettings(request_timeout_s=0.1))
    with TestClient(app) as c:
        wait_ready(c)
        r = c.post("/v1/ask", json={"question": "reset"})
        assert r.status_code == 504 and "0.1 s" in r.json()["error"]


# ------------------------------------------------------- swaps, rebuilds


def test_a_new_build_is_swapped_in(client, guide_corpus, built_index, fake_embedder):
    (guide_corpus / "extra.txt").write_text("Gizmo Care\n\nPolish the gizmo with a dry cloth.\n", encoding="utf-8")
    build_index(guide_corpus, built_index, fake_embedder)
    wait_for(lambda: client.get("/v1/info").json()["swaps"] == 1)
    info = client.get("/v1/info").json()
    assert info["manifest"]["counts"]["documents"] == 2 and info["stale"] is False
    answer = client.post("/v1/ask", json={"question": "How do I polish the gizmo?"}).json()["answer"]
    assert answer["doc"] == "extra.txt"


def test_a_request_in_flight_finishes_on_the_index_it_started_with(built_index, guide_corpus, tmp_path):
    embedding = threading.Event()

    class Slow(FakeEmbedder):
        def encode(self, texts, **kw):
            if any("slowly" in t for t in texts):
                embedding.set()
                time.sleep(0.5)  # the swap happens now
            return super().encode(texts, **kw)

    emb = Slow()
    app = create_app(built_index, embedder_factory=lambda _m: emb, serve=FAST)
    with TestClient(app) as c:
        wait_ready(c)
        result = {}
        asking = threading.Thread(
            target=lambda: result.update(r=c.post("/v1/ask", json={"question": "reset my widget slowly"}))
        )
        asking.start()
        assert embedding.wait(5)
        other = tmp_path / "other-corpus"
        other.mkdir()
        (other / "gizmo.txt").write_text("Gizmo Care\n\nReset the gizmo with a pin.\n", encoding="utf-8")
        build_index(other, built_index, emb)
        wait_for(lambda: c.get("/v1/info").json()["swaps"] == 1)
        assert asking.is_alive()  # swapped while the question was still being answered
        asking.join(10)
        assert result["r"].status_code == 200 and result["r"].json()["answer"]["doc"] == "acme-help.txt"
        assert c.post("/v1/ask", json={"question": "reset my widget"}).json()["passages"][0]["doc"] == "gizmo.txt"


def _swap_folder_in(new: Path, target: Path) -> None:
    old = target.with_name(target.name + ".old")
    os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old)


@pytest.mark.parametrize("damage", ["vectors", "manifest", "other-model"])
def test_a_broken_new_index_is_refused_and_the_old_one_serves(client, built_index, guide_corpus, tmp_path, damage):
    good = client.post("/v1/ask", json={"question": "How do I reset my widget?"}).json()
    new = tmp_path / "new-index"
    build_index(guide_corpus, new, FakeEmbedder(model_id="other") if damage == "other-model" else FakeEmbedder())
    if damage == "vectors":
        (new / "vectors.faiss").write_bytes(b"not faiss")
    elif damage == "manifest":
        (new / "manifest.json").write_text("{", encoding="utf-8")
    _swap_folder_in(new, built_index)
    wait_for(lambda: client.get("/v1/info").json()["last_refusal"] is not None)
    info = client.get("/v1/info").json()
    assert info["swaps"] == 0 and str(tmp_path) not in json.dumps(info)
    assert client.get("/v1/health").status_code == 200
    again = client.post("/v1/ask", json={"question": "How do I reset my widget?"}).json()
    assert again["answer"] == good["answer"]


def test_rebuild_needs_a_token(built_index, fake_embedder, guide_corpus):
    app = create_app(built_index, embedder_factory=lambda _m: fake_embedder, serve=FAST, api_token="s3cret")
    with TestClient(app) as c:
        wait_ready(c)
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic s3cret"}):
            r = c.post("/v1/rebuild", headers=headers)
            assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        (guide_corpus / "extra.txt").write_text("Gizmo Care\n\nPolish the gizmo with a dry cloth.\n", encoding="utf-8")
        r = c.post("/v1/rebuild", headers={"Authorization": "Bearer s3cret"})
        assert r.status_code == 200, r.text
        assert r.json()["documents"] == 2 and r.json()["embedded"] >= 1
        assert c.get("/v1/info").json()["swaps"] == 1


def test_rebuild_is_disabled_without_a_token(client):
    r = client.post("/v1/rebuild", headers={"Authorization": "Bearer anything"})
    assert r.status_code == 403 and "FAQRAG_API_TOKEN" in r.json()["error"]


def test_cors_is_off_by_default_and_a_setting(built_index, fake_embedder):
    origin = {"Origin": "https://help.example"}
    for serve, allowed in (
        (FAST, None),
        (ServeSettings(cors_origins=("https://help.example",)), "https://help.example"),
    ):
        app = create_app(built_index, embedder_factory=lambda _m: fake_embedder, serve=serve)
        with TestClient(app) as c:
            wait_ready(c)
            r = c.get("/v1/health", headers=origin)
            assert r.headers.get("access-control-allow-origin") == allowed


# ------------------------------------------------------------- the parts


def test_micro_batcher_embeds_concurrent_questions_together():
    class Slow(FakeEmbedder):
        def encode(self, texts, **kw):
            time.sleep(0.05)
            return super().encode(texts, **kw)

    emb = Slow()
    batcher = MicroBatcher(emb, max_batch=8, wait_s=0.01)
    try:
        futures = [batcher.submit(f"question {i}") for i in range(20)]
        vecs = [f.result(timeout=5)[0] for f in futures]
    finally:
        batcher.close()
    assert len(emb.calls) < 20 and max(emb.calls) <= 8 and sum(emb.calls) == 20
    want = FakeEmbedder().encode([f"question {i}" for i in range(20)])
    assert all((v == w).all() for v, w in zip(vecs, want))


def test_micro_batcher_answers_in_its_own_thread_and_shows_each_batch_once_handed_back():
    class Slow(FakeEmbedder):
        def encode(self, texts, **kw):
            time.sleep(0.02)
            return super().encode(texts, **kw)

    futures: dict[str, object] = {}  # expected result -> its future
    not_yet_handed_back: list[str] = []  # the hook (the question log) must not delay an answer
    seen: list[str] = []

    def after(results):
        seen.extend(results)
        not_yet_handed_back.extend(r for r in results if not futures[r].done())

    def then(vec, ms, context):
        return f"{context}:{threading.current_thread().name}"

    batcher = MicroBatcher(Slow(), max_batch=4, wait_s=0.01, after_batch=after)
    try:
        for i in range(10):
            futures[f"Q{i}:faqrag-answer"] = batcher.submit(f"q{i}", then, lambda t: (t, t.upper()))
        got = [f.result(timeout=5) for f in futures.values()]
    finally:
        batcher.close()
    assert got == list(futures) and sorted(seen) == sorted(got) and not not_yet_handed_back


def test_length_groups_pad_little_and_keep_every_text_once():
    from faqrag.serve.batching import length_groups

    assert length_groups([40] * 8) == [list(range(8))]  # alike: one call
    assert length_groups([]) == []
    groups = length_groups([10, 300, 12, 290, 11, 9])
    assert groups == [[1, 3], [2, 4, 0, 5]]  # the two long ones apart from the short ones
    lengths = [7, 120, 33, 33, 64, 5, 200, 41, 41, 90] * 3
    groups = length_groups(lengths)
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
    padded = sum(80 + len(g) * max(lengths[i] for i in g) for g in groups)
    assert padded < 80 + len(lengths) * max(lengths)  # never worse than one padded batch
    many = [(i * 37) % 300 + 5 for i in range(5000)]  # a server given a huge max_micro_batch
    t0 = time.perf_counter()
    groups = length_groups(many)
    assert time.perf_counter() - t0 < 5 and sorted(i for g in groups for i in g) == list(range(5000))


def test_micro_batcher_encodes_questions_of_unlike_length_apart_and_gives_each_its_own_vector():
    emb = FakeEmbedder()
    batcher = MicroBatcher(emb, max_batch=8)
    texts = ["short one", "x" * 400, "short two", "y" * 390]
    try:
        emb.calls.clear()
        vecs = batcher._encode(texts)
    finally:
        batcher.close()
    assert sorted(emb.calls) == [2, 2]
    assert (vecs == FakeEmbedder().encode(texts)).all()


def test_each_worker_gets_its_share_of_the_cores_for_the_model(monkeypatch):
    from faqrag.serve import launch as serve

    monkeypatch.setattr(serve.os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3}, raising=False)

    def plan(workers, **given):
        p = serve.encoding_plan(ServeSettings(**given), workers)
        return p.encoders, p.model_threads

    assert [plan(w) for w in (1, 2, 3, 4, 8)] == [(2, 4), (2, 2), (1, 1), (1, 1), (1, 1)]
    assert plan(1, model_threads=1) == (2, 1) and plan(1, encoders=1) == (1, 4)
    assert plan(2, encoders=3, model_threads=5) == (3, 5)


def test_micro_batcher_with_two_encoders_answers_everything_and_stops():
    emb = FakeEmbedder()
    batcher = MicroBatcher(emb, max_batch=4, wait_s=0.001, encoders=2)
    try:
        futures = [batcher.submit(f"question {i}") for i in range(40)]
        vecs = [f.result(timeout=5)[0] for f in futures]
    finally:
        batcher.close()
    assert sum(emb.calls) == 40 and not any(t.is_alive() for t in batcher._threads)
    assert all((v == w).all() for v, w in zip(vecs, FakeEmbedder().encode([f"question {i}" for i in range(40)])))


@pytest.mark.parametrize(
    "data",
    [
        {"max_batch": 0},
        {"model_threads": -1},
        {"model_threads": "2"},
        {"encoders": -2},
        {"encoders": 1.5},  # a thread count: whole numbers only (1.5 once left the server loading forever)
        {"model_threads": 2.5},
        {"max_micro_batch": 1.5},
        {"max_body_bytes": 70000.5},
        {"request_timeout_s": -1},
        {"max_body_bytes": "big"},
        {"cors_origins": [""]},
        {"nope": 1},
    ],
)
def test_serve_settings_are_checked(data):
    with pytest.raises(FaqragError):
        ServeSettings.from_dict(data)


# ------------------------------------------------------------ the command


def test_serve_command_refuses_what_it_cannot_serve(built_index, tmp_path, capsys):
    import socket

    from faqrag.cli import main

    bad_settings = tmp_path / "serve.json"
    bad_settings.write_text('{"max_batch": 8, "max_bach": 9}', encoding="utf-8")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        cases = [
            (["--index", str(tmp_path / "none")], "no index at"),
            (["--index", str(built_index), "--workers", "0"], "--workers must be between 1 and 64"),
            (["--index", str(built_index), "--port", port], f"cannot listen on 127.0.0.1:{port}"),
            (["--index", str(built_index), "--serve-settings", str(bad_settings)], "max_bach"),
            (["--index", str(built_index), "--serve-settings", str(tmp_path / "none.json")], "cannot be read"),
            (["--index", str(built_index), "--serve-settings", str(built_index / "chunks.jsonl")], "not valid JSON"),
            (["--index", str(built_index), "--cors-origin", ""], "cors_origins"),
            (["--index", str(built_index), "--settings", str(bad_settings)], "unknown setting(s) max_bach, max_batch"),
        ]
        for args, words in cases:
            assert main(["serve", *args]) == 1
            err = capsys.readouterr().err
            assert words in err and err.count("\n") == 1
    with pytest.raises(SystemExit):
        main(["serve", "--port", "70000"])
    assert "not a port number" in capsys.readouterr().err


def test_questions_asked_over_the_api_are_logged(client, built_index):
    from faqrag.learn import qlog

    assert client.post("/v1/ask", json={"question": "How do I reset my widget?"}).status_code == 200

    def logged():
        try:
            return qlog.recent(qlog.log_path(built_index))
        except qlog.LogError:  # not created yet
            return []

    deadline = time.monotonic() + 10  # written by the log's own thread, after the answer went back
    while not (rows := logged()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [(r.question, r.channel) for r in rows] == [("How do I reset my widget?", "api")]


def test_a_model_giving_too_few_vectors_fails_each_question_and_the_batcher_lives_on():
    class Short(FakeEmbedder):
        def encode(self, texts, **kw):
            return super().encode(texts, **kw)[:-1] if len(texts) > 1 else super().encode(texts, **kw)

    batcher = MicroBatcher(Short(), max_batch=4, wait_s=0.05)
    try:
        futures = [batcher.submit(f"q{i}", None) for i in range(3)]
        errors = []
        for f in futures:
            with pytest.raises(RuntimeError, match="vectors for") as err:
                f.result(timeout=5)
            errors.append(err)
        vec, _ = batcher.submit("alone", None).result(timeout=5)  # still answering
    finally:
        batcher.close()
    assert len(errors) == 3 and vec.shape == (FakeEmbedder().dim,)


def test_the_question_log_is_written_from_its_own_thread_while_the_database_is_locked(tmp_path):
    """Answers never wait on SQLite: put() returns at once while another process
    holds the write lock, and the rows land once it lets go; close() writes what is queued."""
    import sqlite3

    from faqrag.learn import log_writer, qlog

    db = tmp_path / "logs.db"
    declined = {"abstained": True, "confidence": 0.1, "answer": None}
    qlog.log_answers(db, [("first", declined)], "api")  # creates the schema
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    writer = log_writer.BackgroundWriter(db, "api")
    t0 = time.perf_counter()
    for i in range(5):
        writer.put([(f"q{i}", declined)])
    assert time.perf_counter() - t0 < 0.5
    time.sleep(0.3)
    holder.execute("COMMIT")
    holder.close()
    writer.close(timeout=15)
    assert sorted(r.question for r in qlog.recent(db)) == sorted(["first", *(f"q{i}" for i in range(5))])


def test_health_says_to_restart_when_the_answering_threads_are_gone(client):
    """Every question would wait for its 504: a load balancer must see it in health."""
    state = client.app.state.faqrag
    assert client.get("/v1/health").status_code == 200
    state.batcher.close()  # the threads end, as an unforeseen failure would end them
    r = client.get("/v1/health")
    assert r.status_code == 503 and r.json()["live"] is False and "restart the server" in r.json()["error"]
