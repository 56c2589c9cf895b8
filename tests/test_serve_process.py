"""A real uvicorn process on a free localhost port, talked to over HTTP."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from conftest import GUIDE, REPO, FakeEmbedder

from faqrag.cli import main
from faqrag.index.build import build_index

HERE = Path(__file__).resolve().parent
QUESTIONS = ["How do I reset my widget?", "Riverton phone number", "hours in the Southern Region", "register"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd: list[str], url: str, env: dict | None = None, seconds: float = 60) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=REPO)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stdout.read().decode()[-2000:]}")
        try:
            if httpx.get(url + "/v1/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise AssertionError("server did not get ready")


def stop(proc: subprocess.Popen) -> str:
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out.decode(errors="replace")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(url, corpus, index, log lines) of a server on the fake model; tests may rebuild its index."""
    tmp = tmp_path_factory.mktemp("served")
    corpus, index = tmp / "corpus", tmp / "index"
    corpus.mkdir()
    (corpus / "acme-help.txt").write_text(GUIDE, encoding="utf-8")
    build_index(corpus, index, FakeEmbedder())
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(HERE)])}
    proc = start([sys.executable, str(HERE / "fake_server.py"), str(index), str(port)], url, env)
    yield url, corpus, index
    stop(proc)


def hammer(url: str, stop_at: threading.Event, clients: int = 8) -> tuple[int, list[str]]:
    """Ask from ``clients`` threads until ``stop_at`` is set: (answers, failures)."""
    failures: list[str] = []
    counts = [0] * clients

    def loop(n: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as c:
            while not stop_at.is_set():
                q = QUESTIONS[(n + counts[n]) % len(QUESTIONS)]
                try:
                    r = c.post("/v1/ask", json={"question": q})
                    if r.status_code != 200 or r.json()["question"] != q:
                        failures.append(f"{r.status_code} {r.text[:200]}")
                except httpx.HTTPError as err:
                    failures.append(repr(err))
                counts[n] += 1

    threads = [threading.Thread(target=loop, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    return counts, failures, threads


def test_bad_inputs_over_http(server):
    url = server[0]
    with httpx.Client(base_url=url, timeout=30) as c:
        h = {"content-type": "application/json"}
        cases = [
            (c.post("/v1/ask", json={"question": ""}), 400, "the question is empty; type a question"),
            (c.post("/v1/ask", json={"question": "x" * 5000}), 400, "the limit is 2,000"),
            (c.post("/v1/ask", content=b'{"question": ', headers=h), 422, "not valid JSON"),
            (c.post("/v1/ask", json={"question": 42}), 422, "question"),
            (c.post("/v1/ask", json={"question": "reset", "k": "all"}), 422, "k"),
            (c.post("/v1/ask", content=b"x" * 2_000_000, headers=h), 413, "bytes"),
            (c.post("/v1/ask/batch", json={"questions": ["reset"] * 100}), 422, "limit is 32"),
            (c.post("/v1/rebuild"), 401, "bearer"),
        ]
        for r, status, words in cases:
            assert r.status_code == status, r.text
            assert words in r.json()["error"]
            assert "Traceback" not in r.text
        assert c.get("/v1/health").json()["ready"] is True


def test_concurrent_requests_all_answer(server):
    url = server[0]

    def one(i: int) -> tuple[int, str]:
        q = QUESTIONS[i % len(QUESTIONS)]
        r = httpx.post(url + "/v1/ask", json={"question": q}, timeout=30)
        return r.status_code, r.json()["question"]

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(one, range(160)))
    assert results == [(200, QUESTIONS[i % len(QUESTIONS)]) for i in range(160)]


def test_ask_through_the_server_from_the_cli(server, capsys):
    url = server[0]
    assert main(["ask", "--server", url, "--json", "How", "do", "I", "reset", "my", "widget?"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["answer"]["text"].startswith("Hold the power button")
    assert main(["ask", "--server", url, "reset widget"]) == 0
    assert "Source:" in capsys.readouterr().out
    assert main(["ask", "--server", url, "--k", "3", "x" * 3000]) == 1  # refused before it is sent
    assert "the limit is 2,000" in capsys.readouterr().err
    assert main(["ask", "--server", url, "--model", "other", "reset"]) == 1
    assert "do not apply with --server" in capsys.readouterr().err
    assert main(["ask", "--server", "ftp://127.0.0.1", "reset"]) == 1
    assert "must start with http://" in capsys.readouterr().err
    assert main(["ask", "--server", f"http://127.0.0.1:{free_port()}", "reset"]) == 1
    assert "cannot reach a faqrag server" in capsys.readouterr().err
    assert main(["ask", "--server", url + "/v1", "reset"]) == 1  # past the root
    assert "pass the server's root" in capsys.readouterr().err


def test_ask_server_from_the_environment(server, capsys, monkeypatch):
    monkeypatch.setenv("FAQRAG_SERVER", server[0])
    assert main(["ask", "--json", "--index", "/nonexistent", "reset my widget"]) == 0
    assert json.loads(capsys.readouterr().out)["question"] == "reset my widget"


def test_swaps_mid_load_fail_no_request(server):
    url, corpus, index = server
    before = httpx.get(url + "/v1/info").json()["swaps"]
    stop_at = threading.Event()
    counts, failures, threads = hammer(url, stop_at)
    try:
        for n in range(3):
            time.sleep(0.3)
            (corpus / "extra.txt").write_text(f"Gizmo Care\n\nPolish gizmo number {n} gently.\n", encoding="utf-8")
            build_index(corpus, index, FakeEmbedder())
            deadline = time.monotonic() + 10
            while httpx.get(url + "/v1/info").json()["swaps"] < before + n + 1:
                assert time.monotonic() < deadline, "the new index was not swapped in"
                time.sleep(0.05)
        time.sleep(0.3)
    finally:
        stop_at.set()
        for t in threads:
            t.join()
    assert failures == [] and sum(counts) > 20
    answer = httpx.post(url + "/v1/ask", json={"question": "polish gizmo number 2"}).json()["answer"]
    assert "number 2" in answer["text"]


def test_a_corrupt_new_index_is_refused_while_serving(server, tmp_path):
    url, corpus, index = server
    swaps = httpx.get(url + "/v1/info").json()["swaps"]
    new = tmp_path / "new"
    build_index(corpus, new, FakeEmbedder())
    (new / "chunks.jsonl").write_text("{not json\n", encoding="utf-8")
    stop_at = threading.Event()
    counts, failures, threads = hammer(url, stop_at, clients=4)
    try:
        old = index.with_name("index.old")
        os.replace(index, old)
        os.replace(new, index)
        shutil.rmtree(old)
        deadline = time.monotonic() + 10
        while httpx.get(url + "/v1/info").json()["last_refusal"] is None:
            assert time.monotonic() < deadline, "the corrupt index was not noticed"
            time.sleep(0.05)
        seen = sum(counts)
        while sum(counts) < seen + 4 and time.monotonic() < deadline + 10:  # answers after the refusal too
            time.sleep(0.05)
    finally:
        stop_at.set()
        for t in threads:
            t.join()
    info = httpx.get(url + "/v1/info").json()
    assert failures == [] and sum(counts) > 4
    assert info["swaps"] == swaps and "corrupt" in info["last_refusal"]
    assert httpx.get(url + "/v1/health").status_code == 200


@pytest.mark.integration
def test_faqrag_serve_with_the_real_model(real_index, tmp_path):
    """The CLI's own server, on ONNX Runtime, with two workers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "faqrag.cli", "serve", "--index", str(real_index), "--port", str(port)]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = start([*cmd, "--workers", "2"], url, env, seconds=120)
    try:
        # Health answered by one worker says nothing of the other: a worker still
        # loading answers 503 (with Retry-After), as documented, until it is ready.
        deadline = time.monotonic() + 90
        while True:
            r = httpx.post(url + "/v1/ask", json={"question": "How do I contact customer service?"}, timeout=30)
            if r.status_code != 503 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert r.status_code == 200 and r.json()["passages"]
        info = httpx.get(url + "/v1/info").json()
        assert str(REPO) not in json.dumps(info) and info["manifest"]["model"]["id"] == "all-MiniLM-L6-v2"
    finally:
        log = stop(proc)
    assert "Traceback" not in log


def _closed_within(sock: socket.socket, seconds: float) -> bytes | None:
    """What the server sent before closing ``sock``, or None if it is still open after ``seconds``."""
    sock.settimeout(seconds)
    got = b""
    try:
        while chunk := sock.recv(4096):
            got += chunk
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return got


def test_slow_and_idle_clients_are_shed_while_others_are_answered(server):
    """The test server's bounds are 1 s for a request head, a body and keep-alive (fake_server.py)."""
    url = server[0]
    port = int(url.rsplit(":", 1)[1])
    addr = ("127.0.0.1", port)
    idle = [socket.create_connection(addr) for _ in range(40)]  # open, send nothing
    heads = []
    for line in (b"POST /v1/ask HTTP/1.1\r\n", b"GET /v1/health HTTP/1.1\r\nHost: x\r\n", b"G"):
        s = socket.create_connection(addr)
        s.sendall(line)  # a request head that never ends
        heads.append(s)
    bodies = []
    for sent in (b"", b"{", b'{"question": "res'):
        s = socket.create_connection(addr)
        head = b"POST /v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
        s.sendall(head + sent)  # a body that never arrives whole
        bodies.append(s)
    try:
        with httpx.Client(base_url=url, timeout=10) as c:
            for q in QUESTIONS * 3:  # meanwhile, others are answered as usual
                t0 = time.monotonic()
                r = c.post("/v1/ask", json={"question": q})
                assert r.status_code == 200 and time.monotonic() - t0 < 2
        for s in bodies:
            reply = _closed_within(s, 5)
            assert reply is not None and reply.startswith(b"HTTP/1.1 408"), reply
            assert b"did not arrive within 1 s" in reply
        for s in idle + heads:
            assert _closed_within(s, 5) is not None  # closed by the server, not left open
    finally:
        for s in idle + heads + bodies:
            s.close()


def test_clients_that_never_read_their_answers_are_dropped(server):
    """A client that sends many questions at once and reads none of the answers held
    its connection for good (the server waiting to write); now it is dropped once
    nothing was read for the keep-alive time (1 s here), and others are answered."""
    addr = ("127.0.0.1", int(server[0].rsplit(":", 1)[1]))
    body = json.dumps({"question": "How do I reset my widget?", "k": 50}).encode()
    request = b"POST /v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    request += b"Content-Length: %d\r\n\r\n" % len(body) + body
    readers = []
    for _ in range(4):
        s = socket.create_connection(addr)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.setblocking(False)
        for _ in range(600):
            try:
                s.send(request)
            except BlockingIOError:
                break
        readers.append(s)
    try:
        with httpx.Client(base_url=server[0], timeout=10) as c:
            for q in QUESTIONS * 3:
                t0 = time.monotonic()
                assert c.post("/v1/ask", json={"question": q}).status_code == 200
                assert time.monotonic() - t0 < 2
        time.sleep(3)
        for s in readers:
            assert _ends_within(s, 5), "the server still writes to a client that reads nothing"
    finally:
        for s in readers:
            s.close()


def _ends_within(s: socket.socket, seconds: float) -> bool:
    """Whether the connection ends (reset or closed) within ``seconds`` of reading all that arrives."""
    s.setblocking(True)
    s.settimeout(1)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            if not s.recv(65536):
                return True
    except (TimeoutError, ConnectionResetError):
        return True  # reset, or nothing more coming: the server is not writing
    return False
