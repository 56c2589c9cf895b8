"""What a killed or crowded run leaves behind, and the messages around it.

A staged index of any shape is removed by the next build; a full disk while
writing a calibration or a report leaves no part file and names the path; a
load that overlaps a build's swap reads the new index instead of calling it
corrupt, and a server watcher that meets one tries again; a read-only log is
read as it stands; a broken ONNX export is named to API clients without the
server's paths; a decision over a torn alternates file is one line on the
review page; a log locked by another process never holds back an answer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import GUIDE, REPO, FakeEmbedder

from faqrag.errors import FaqragError
from faqrag.index.build import build_index, staged_path

HERE = Path(__file__).resolve().parent


# ------------------------------------------------------------ a staged index


@pytest.mark.parametrize("kind", ["folder", "file", "link to a folder elsewhere", "dangling link"])
def test_a_build_removes_a_staged_leftover_of_any_shape(tmp_path, guide_corpus, fake_embedder, kind):
    index = tmp_path / "index"
    build_index(guide_corpus, index, fake_embedder)
    staged, elsewhere = staged_path(index), tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("not faqrag's", encoding="utf-8")
    if kind == "folder":
        shutil.copytree(index, staged)
    elif kind == "file":
        staged.write_text("x", encoding="utf-8")
    elif kind == "link to a folder elsewhere":
        staged.symlink_to(elsewhere)
    else:
        staged.symlink_to(tmp_path / "gone")
    said: list[str] = []
    build_index(guide_corpus, index, fake_embedder, log=said.append)
    assert not staged.exists() and not staged.is_symlink()
    assert (elsewhere / "keep.txt").read_text(encoding="utf-8") == "not faqrag's"  # a link is not followed
    assert any(staged.name in m for m in said)


@pytest.mark.parametrize("kind", ["file", "link to a folder elsewhere"])
def test_reviews_apply_over_a_staged_leftover_of_any_shape(tmp_path, guide_corpus, fake_embedder, kind):
    from faqrag.learn.staging import stage

    index = tmp_path / "index"
    build_index(guide_corpus, index, fake_embedder)
    staged, elsewhere = staged_path(index), tmp_path / "elsewhere"
    elsewhere.mkdir()
    staged.write_text("x", encoding="utf-8") if kind == "file" else staged.symlink_to(elsewhere)
    result = stage(guide_corpus, index, fake_embedder)
    assert (result.folder / "manifest.json").is_file() and not any(elsewhere.iterdir())


# ------------------------------------------------------------ a full disk

FULL_DISK = """
import resource, signal, sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # past the limit a write fails (EFBIG), as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))
from faqrag.errors import FaqragError
target = Path(sys.argv[1])
try:
    if sys.argv[3] == "calibration":
        from faqrag.learn.calibrate import Calibration, save
        save(target, Calibration(0.5, 5, 3, {"answer_right": 0.9}, {"answer_right": 0.8}, "2026-01-01T00:00:00Z"))
    else:
        from faqrag.files import write_atomically
        write_atomically(target / "report.json", "x" * 10_000)
except FaqragError as err:
    print(err)
"""


@pytest.mark.parametrize("what", ["calibration", "report"])
def test_a_full_disk_leaves_no_part_file_and_names_the_path(tmp_path, what):
    folder = tmp_path / "index"
    folder.mkdir()
    out = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(folder), str(REPO / "src"), what],
        capture_output=True,
        text=True,
        timeout=60,
    )
    name = "calibration.json" if what == "calibration" else "report.json"
    assert out.stdout.count("\n") == 1 and str(folder / name) in out.stdout, out
    assert list(folder.iterdir()) == []  # no .calibration.json.part, no temporary file


# ------------------------------------------------------------ loads and swaps


def test_loads_overlapping_builds_never_call_the_index_corrupt(tmp_path):
    from faqrag.index.store import load_index

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "g.txt").write_text(GUIDE, encoding="utf-8")
    embedder = FakeEmbedder()
    build_index(corpus, index, embedder)
    stop, builds, problems, loads = threading.Event(), [0], [], [0]

    def rebuild() -> None:
        while not stop.is_set():
            builds[0] += 1
            extra = f"\n\nPart {builds[0]}\n\nWords number {builds[0]} here.\n" * (builds[0] % 3 + 1)
            (corpus / "g.txt").write_text(GUIDE + extra, encoding="utf-8")
            build_index(corpus, index, embedder)

    t = threading.Thread(target=rebuild)
    t.start()
    try:
        end = time.monotonic() + 2.5
        while time.monotonic() < end:
            try:
                load_index(index)
            except FaqragError as err:
                problems.append(str(err))
            loads[0] += 1
    finally:
        stop.set()
        t.join()
    assert builds[0] >= 10 and loads[0] >= 100, (builds, loads)
    assert not problems, problems[:3]  # before: about 1 load in 20 was "corrupt" or "no index"


def test_a_damaged_index_is_still_called_corrupt_at_once(built_index):
    from faqrag.index.store import load_index

    (built_index / "vectors.faiss").write_bytes(b"not faiss")
    t0 = time.monotonic()
    with pytest.raises(FaqragError, match="is corrupt"):
        load_index(built_index)
    assert time.monotonic() - t0 < 1


def test_a_server_watcher_meeting_a_swap_tries_the_new_index_again(built_index, guide_corpus, fake_embedder):
    from faqrag.errors import IndexStateError
    from faqrag.serve import state as state_module
    from faqrag.serve.settings import ServeSettings
    from faqrag.settings import Settings

    state = state_module.ServerState(built_index, guide_corpus, Settings(), ServeSettings(), None)
    state.embedder_factory = lambda _m: fake_embedder
    state.load()
    assert state.engine is not None
    from faqrag.index import store

    calls = [0]
    genuine = store.load_index

    def overlapping(index_dir):
        calls[0] += 1
        if calls[0] == 1:  # a load that met a swap: and the build after it swaps in meanwhile
            build_index(guide_corpus, built_index, fake_embedder)
            raise IndexStateError(f"index at {index_dir} is corrupt (vectors.faiss cannot be read)")
        return genuine(index_dir)

    (guide_corpus / "acme-help.txt").write_text(GUIDE + "\n\nMore\n\nA new part.\n", encoding="utf-8")
    build_index(guide_corpus, built_index, fake_embedder)
    store.load_index = overlapping
    try:
        assert state.reload_if_changed() is False and state.last_refusal is None  # not refused
        assert state.reload_if_changed() is True and state.swaps == 1  # the next tick swaps it in
    finally:
        store.load_index = genuine


# ------------------------------------------------------------ the question log


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="drops root's override of file modes")
@pytest.mark.parametrize("shape", ["plain", "unmerged WAL", "WAL without -shm", "folder writable"])
def test_faqrag_log_reads_a_read_only_log_as_it_stands(tmp_path, shape):
    from faqrag.answer.records import Response
    from faqrag.learn import qlog

    folder = tmp_path / "logs"
    folder.mkdir()
    db = folder / "logs.db"
    for q in ("first?", "second?", "third?"):
        qlog.log_answer(db, q, Response(q, True, 0.1, None, [], [], [], None), "cli")
    if shape == "plain":
        qlog.forget(db)  # closed: the WAL is merged into the log
    else:  # a copy taken while the log was open: its rows are still in the -wal file
        shutil.copytree(folder, tmp_path / "copy")
        qlog.forget(db)
        shutil.rmtree(folder)
        (tmp_path / "copy").rename(folder)
        if shape == "WAL without -shm":
            (folder / "logs.db-shm").unlink(missing_ok=True)
    for f in folder.iterdir():
        f.chmod(0o444)
    folder.chmod(0o755 if shape == "folder writable" else 0o555)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "FAQRAG_LOG": str(db)}
    out = subprocess.run(
        ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--", sys.executable, "-m"]
        + ["faqrag.cli", "log", "--index", str(tmp_path / "index")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    folder.chmod(0o755)
    assert out.returncode == 0 and "third?" in out.stdout and "first?" in out.stdout, out


def test_a_locked_log_never_holds_back_the_answer(tmp_path, built_index, use_fake_model, monkeypatch):
    import sqlite3

    from faqrag.cli.main import main
    from faqrag.learn import qlog

    monkeypatch.setenv("FAQRAG_LOG", str(tmp_path / "logs.db"))
    monkeypatch.setattr(qlog, "BUSY_MS", 1500)
    holder = sqlite3.connect(tmp_path / "logs.db", isolation_level=None)
    holder.execute("PRAGMA journal_mode = WAL")
    holder.execute("CREATE TABLE held (x)")
    holder.execute("BEGIN EXCLUSIVE")  # another process writing, for longer than the log waits

    written: list[float] = []
    real_write = sys.stdout.write

    def stamped(text: str) -> int:
        written.append(time.monotonic())
        return real_write(text)

    monkeypatch.setattr(sys.stdout, "write", stamped)
    t0 = time.monotonic()
    try:
        assert main(["ask", "--index", str(built_index), "How do I reset my widget?"]) == 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        qlog.forget(tmp_path / "logs.db")
    done = time.monotonic()
    assert written and written[0] - t0 < done - t0 - 1.0  # printed, then the log waited its 1.5 s


# ------------------------------------------------------------ the API and the page


@pytest.mark.parametrize("damage", ["garbage", "empty", "a folder"])
def test_a_broken_onnx_export_is_named_to_clients_without_a_server_path(
    tmp_path_factory, monkeypatch, built_index, damage
):
    from fastapi.testclient import TestClient

    from faqrag.models.onnx_embedder import OnnxEmbedder
    from faqrag.serve.app import create_app
    from faqrag.text import ABS_PATH

    cache = tmp_path_factory.mktemp("venv") / "share" / "faqrag" / "onnx"  # in the venv, not beside the index
    monkeypatch.setenv("FAQRAG_ONNX_CACHE", str(cache))
    model = OnnxEmbedder(None).model_path
    model.parent.mkdir(parents=True)
    if model.name != "model.onnx":  # the export a quantised model is made from
        (model.parent / "model.onnx").write_bytes(b"garbage")
    if damage == "a folder":
        model.mkdir()
    else:
        model.write_bytes(b"" if damage == "empty" else b"\x08\x01garbage" * 50)

    def factory(_model_id):
        embedder = OnnxEmbedder(None)
        embedder.encode(["warm"])
        return embedder

    app = create_app(built_index, embedder_factory=factory, api_token="")
    with TestClient(app, raise_server_exceptions=False) as client:
        for _ in range(200):
            health = client.get("/v1/health")
            if "loading" not in health.text:
                break
            time.sleep(0.05)
        ask = client.post("/v1/ask", json={"question": "How do I reset my widget?"})
        for reply in (health, ask):
            assert reply.status_code == 503 and "ONNX model" in reply.text, reply.text
            assert not ABS_PATH.search(reply.json().get("error", "")), reply.text


@pytest.mark.parametrize("torn", [b'{"question": "half', b"\xff\xfe", b"not json at all"])
def test_linking_over_a_torn_alternates_file_is_one_line_and_the_page_draws_on(
    monkeypatch, tmp_path, guide_corpus, built_index, use_fake_model, torn
):
    from test_review import _log, _page

    from faqrag.learn import review

    db = tmp_path / "logs.db"
    _log(db, "widget reset factory gadget", "reset widget factory gadget")
    (guide_corpus / "alternates.jsonl").write_bytes(torn)
    at = _page(monkeypatch, tmp_path, built_index, guide_corpus)
    at.text_input(key="admin_password").input("s3cret").run(timeout=60)
    lead = max(q.id for q in review.queue(db))
    at.button(key=f"link-{lead}").click().run(timeout=60)
    assert not at.exception
    errors = [e.value.replace("\\", "") for e in at.error]
    assert len(errors) == 1 and "alternates.jsonl" in errors[0] and "line 1" in errors[0], errors
    assert "Something went wrong" not in errors[0]
    assert at.button(key="apply")  # the page drew on below the error
    assert (guide_corpus / "alternates.jsonl").read_bytes() == torn  # nothing appended to it
