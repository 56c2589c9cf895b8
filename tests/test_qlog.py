"""The question log: migrations, WAL, concurrent writers, a writer killed mid-write, retention."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from faqrag.learn import migrations, qlog

ANSWERED = {
    "question": "How do I reset it?",
    "abstained": False,
    "confidence": 0.91,
    "answer": {"text": "Hold the button.", "source": "Guide › FAQs", "doc": "g.txt", "chunk_id": "abc"},
}
DECLINED = {"question": "Who painted it?", "abstained": True, "confidence": 0.1, "answer": None}


def test_a_logged_answer_keeps_what_was_asked_and_answered_only(tmp_path):
    db = tmp_path / "logs.db"
    qid = qlog.log_answer(db, "How do I reset it?", ANSWERED, "cli")
    [row] = qlog.recent(db)
    assert row.id == qid and row.channel == "cli" and row.question == "How do I reset it?"
    assert (row.abstained, row.confidence, row.source, row.doc, row.chunk_id) == (
        False,
        0.91,
        "Guide › FAQs",
        "g.txt",
        "abc",
    )
    assert row.helpful is None and row.asked_at.endswith("Z")
    cols = {r[1] for r in sqlite3.connect(db).execute("PRAGMA table_info(questions)")}
    assert cols == {
        "id",
        "asked_at",
        "channel",
        "question",
        "abstained",
        "confidence",
        "source",
        "doc",
        "chunk_id",
        "answer",
        "weak",  # why the answer may be wrong, as the engine saw it
        "ref",  # a random reference the server sent with the answer, for its feedback: no user, no session
    }


def test_several_answers_are_logged_in_one_write_in_order(tmp_path):
    from faqrag.answer.compose import Answer, Response

    db = tmp_path / "logs.db"
    resp = Response(
        question="How do I reset it?",
        abstained=False,
        confidence=0.8,
        answer=Answer(text="Hold it.", source="Guide", kind="faq", doc="g.txt", chunk_id="c1", span=(0, 8)),
        passages=[],
        faq=[],
        suggestions=[],
        notice=None,
    )
    ids = qlog.log_answers(db, [("first", ANSWERED), ("second", DECLINED), ("third", resp)], "api")
    assert len(ids) == 3 and ids == sorted(ids)
    rows = {r.id: r for r in qlog.recent(db)}
    assert [rows[i].question for i in ids] == ["first", "second", "third"]
    assert (rows[ids[1]].abstained, rows[ids[1]].source) == (True, None)
    assert (rows[ids[2]].answer, rows[ids[2]].chunk_id, rows[ids[2]].confidence) == ("Hold it.", "c1", 0.8)
    assert qlog.log_answers(None, [("q", ANSWERED)], "api") is None and qlog.log_answers(db, [], "api") is None


def test_the_log_is_in_wal_mode(tmp_path):
    db = tmp_path / "logs.db"
    qlog.log_answer(db, "q", ANSWERED, "page")
    assert sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_migrations_apply_once_each_and_an_old_log_opens(tmp_path):
    db = tmp_path / "logs.db"
    # A log as the first version left it: only the first migration, one row.
    con = sqlite3.connect(db, isolation_level=None)
    con.execute(f"CREATE TABLE {migrations.MIGRATIONS_TABLE} (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    migrations.m001_questions(con)
    con.execute(f"INSERT INTO {migrations.MIGRATIONS_TABLE} VALUES ('m001_questions', 'then')")
    con.execute(
        "INSERT INTO questions (asked_at, channel, question, abstained, confidence) VALUES ('2999-01-01T00:00:00Z', 'page', 'old one', 1, 0.1)"
    )
    con.close()
    with qlog.connect(db) as c:
        names = [r[0] for r in c.execute(f"SELECT name FROM {migrations.MIGRATIONS_TABLE} ORDER BY name")]
        assert migrations.migrate(c) == []  # nothing left to apply
    assert names == [m.__name__ for m in migrations.MIGRATIONS]
    [old] = qlog.recent(db)
    assert old.question == "old one" and old.helpful is None
    assert qlog.record_feedback(db, old.id, False)  # the new table works on the old row
    assert qlog.recent(db, unhelpful=True)[0].helpful is False


def test_logging_off_by_env_or_setting(tmp_path, monkeypatch):
    index = tmp_path / "index"
    monkeypatch.delenv(qlog.ENV, raising=False)
    assert qlog.log_path(index) == tmp_path / "logs.db"
    assert qlog.log_path(index, enabled=False) is None
    for off in ("off", "OFF", "0", "false"):
        monkeypatch.setenv(qlog.ENV, off)
        assert qlog.log_path(index) is None
    monkeypatch.setenv(qlog.ENV, str(tmp_path / "elsewhere.db"))
    assert qlog.log_path(index) == tmp_path / "elsewhere.db"
    assert qlog.log_answer(None, "q", ANSWERED, "cli") is None


@pytest.mark.parametrize("bad", ["folder", "garbage", "unwritable"])
def test_a_log_that_cannot_be_written_does_not_stop_answers(tmp_path, bad):
    db = tmp_path / "logs.db"
    if bad == "folder":
        db.mkdir()
    elif bad == "garbage":
        db.write_bytes(b"not a database at all" * 100)
    else:
        db = tmp_path / "no" / "such" / "dir" / "logs.db"
    assert qlog.log_answer(db, "q", ANSWERED, "page") is None
    if bad != "unwritable":
        with pytest.raises(qlog.LogError, match="question log"):
            qlog.recent(db)


def test_feedback_is_stored_and_changed_and_filters_select(tmp_path):
    db = tmp_path / "logs.db"
    a = qlog.log_answer(db, "answered", ANSWERED, "page")
    d = qlog.log_answer(db, "declined", DECLINED, "page")
    low = qlog.log_answer(db, "low", {**ANSWERED, "confidence": 0.4}, "api")
    assert qlog.record_feedback(db, a, True) and qlog.record_feedback(db, a, False)  # changed their mind
    assert not qlog.record_feedback(db, 999, True)
    assert [r.id for r in qlog.recent(db)] == [low, d, a]
    assert [r.id for r in qlog.recent(db, declined=True)] == [d]
    assert [r.id for r in qlog.recent(db, unhelpful=True)] == [a]
    assert [r.id for r in qlog.recent(db, declined=True, unhelpful=True, low_confidence=True)] == [low, d, a]
    qlog.record_review(db, [d], "not_covered")
    assert [r.id for r in qlog.recent(db, declined=True, unreviewed=True)] == []
    assert [r.id for r in qlog.recent(db, limit=1)] == [low]


def test_retention_drops_old_rows_and_rows_beyond_the_cap_on_write(tmp_path):
    db = tmp_path / "logs.db"
    keep = qlog.Retention(days=30, rows=5)
    first = qlog.log_answer(db, "first", ANSWERED, "cli", keep)
    qlog.record_feedback(db, first, True)
    with qlog.connect(db) as c:  # make the first row 31 days old
        old = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 31 * 86400))
        c.execute("UPDATE questions SET asked_at = ? WHERE id = ?", (old, first))
    ids = [qlog.log_answer(db, f"q{i}", ANSWERED, "cli", keep) for i in range(8)]
    assert [r.id for r in qlog.recent(db, limit=100)] == ids[::-1][:5]
    with qlog.connect(db) as c:
        assert c.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] == 0  # went with its question


def _writer(db: str, n: int, tag: str) -> None:
    for i in range(n):
        assert qlog.log_answer(Path(db), f"{tag}-{i}", ANSWERED, "api") is not None


def test_several_processes_write_at_once_and_every_row_is_kept(tmp_path):
    db = tmp_path / "logs.db"
    ctx = multiprocessing.get_context("spawn")  # fresh processes, as server workers are
    procs = [ctx.Process(target=_writer, args=(str(db), 40, f"w{w}")) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    rows = qlog.recent(db, limit=1000)
    assert len(rows) == 160 and len({r.id for r in rows}) == 160
    assert {r.question for r in rows} == {f"w{w}-{i}" for w in range(4) for i in range(40)}


def _endless_writer(db: str, done: str) -> None:
    with open(done, "a", encoding="utf-8") as fh:
        i = 0
        while True:
            qid = qlog.log_answer(Path(db), f"q{i}" + "x" * 2000, ANSWERED, "page")
            fh.write(f"{qid}\n")
            fh.flush()
            i += 1


def test_a_writer_killed_mid_write_leaves_every_committed_row(tmp_path):
    db, done = tmp_path / "logs.db", tmp_path / "done.txt"
    ctx = multiprocessing.get_context("spawn")
    p = ctx.Process(target=_endless_writer, args=(str(db), str(done)))
    p.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not done.exists() or done.read_text().count("\n") < 30):
        time.sleep(0.05)
    os.kill(p.pid, signal.SIGKILL)
    p.join(10)
    committed = {int(x) for x in done.read_text().split()}
    assert len(committed) >= 30
    with qlog.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    kept = {r.id for r in qlog.recent(db, limit=100_000)}
    assert committed <= kept  # the one being written when killed may or may not be there
    assert qlog.log_answer(db, "after", ANSWERED, "page") is not None


def test_page_sessions_in_threads_share_the_log_safely(tmp_path):
    import threading

    db = tmp_path / "logs.db"
    threads = [threading.Thread(target=_writer, args=(str(db), 25, f"t{t}")) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len({r.question for r in qlog.recent(db, limit=1000)}) == 200


def test_a_log_moved_aside_is_started_anew(tmp_path):
    db = tmp_path / "logs.db"
    qlog.log_answer(db, "before", ANSWERED, "page")
    for suffix in ("", "-wal", "-shm"):
        src = tmp_path / f"logs.db{suffix}"
        if src.exists():
            src.rename(tmp_path / f"old.db{suffix}")
    qlog.log_answer(db, "after", ANSWERED, "page")
    assert [r.question for r in qlog.recent(db)] == ["after"]


def test_a_failed_transaction_leaves_the_connection_usable(tmp_path):
    db = tmp_path / "logs.db"
    qlog.log_answer(db, "one", ANSWERED, "page")
    with pytest.raises(RuntimeError):
        with qlog.connect(db) as c:
            c.execute("BEGIN IMMEDIATE")
            c.execute("DELETE FROM questions")
            raise RuntimeError("a bug half-way")
    assert [r.question for r in qlog.recent(db)] == ["one"]
    assert qlog.log_answer(db, "two", ANSWERED, "page") is not None


def test_a_log_this_process_cannot_write_is_read_as_it_stands(tmp_path, monkeypatch):
    """Root ignores file modes, so "cannot write" is what os.access says."""
    from faqrag.answer.records import Response

    db = tmp_path / "logs.db"
    resp = Response("q?", True, 0.1, None, [], [], [], None)
    for q in ("first?", "second?"):
        qlog.log_answer(db, q, resp, "cli")
    qlog.forget(db)
    real = os.access
    monkeypatch.setattr(qlog.os, "access", lambda p, mode: False if mode == os.W_OK else real(p, mode))
    rows = qlog.recent(db, 10)
    assert [r.question for r in rows] == ["second?", "first?"]
    assert db.stat().st_size > 0 and [r.question for r in qlog.recent(db, 1)] == ["second?"]


# ------------------------------------------------ hand-offs, weak support, refs


HANDOFF = {"kind": "link", "target": "https://help.example/contact", "label": "Contact us", "text": "", "url": None}


def test_a_decline_shown_the_way_to_a_person_is_logged_as_a_hand_off(tmp_path):
    db = tmp_path / "logs.db"
    declined, plain = qlog.log_answers(
        db, [("Who painted it?", {**DECLINED, "handoff": HANDOFF}), ("Who sculpted it?", DECLINED)], "page"
    )
    rows = {r.id: r for r in qlog.recent(db)}
    assert rows[declined].handed_off and not rows[plain].handed_off
    answered = qlog.log_answer(db, "How do I reset it?", {**ANSWERED, "handoff": HANDOFF}, "page")
    assert not {r.id: r for r in qlog.recent(db)}[answered].handed_off  # answered: not until a "No"
    assert qlog.record_feedback(db, answered, False, HANDOFF["target"])
    row = {r.id: r for r in qlog.recent(db)}[answered]
    assert row.helpful is False and row.handed_off
    assert row.to_dict()["handed_off"] is True


def test_weak_support_is_kept_and_filtered_on(tmp_path):
    db = tmp_path / "logs.db"
    weak = qlog.log_answer(
        db, "phone in Sweden?", {**ANSWERED, "weak_support": ["Sweden was read as Europe", "a close second"]}, "api"
    )
    qlog.log_answer(db, "fine", ANSWERED, "api")
    [row] = qlog.recent(db, weak=True)
    assert row.id == weak and row.weak == ("Sweden was read as Europe", "a close second")
    assert row.to_dict()["weak"] == ["Sweden was read as Europe", "a close second"]


def test_feedback_through_the_writer_names_its_answer_by_ref_and_lands_after_it(tmp_path):
    from faqrag.learn import log_writer

    db = tmp_path / "logs.db"
    writer = log_writer.BackgroundWriter(db, "api")
    writer.put([("How do I reset it?", {**ANSWERED, "ref": "ref-one-abcdef"})])
    writer.put_feedback(log_writer.Feedback("ref-one-abcdef", False, "https://help.example/contact"))
    writer.put_feedback(log_writer.Feedback("ref-unknown-xyz", True))  # never asked: dropped with a warning
    writer.close(timeout=15)
    [row] = qlog.recent(db)
    assert row.helpful is False and row.handed_off
    assert qlog.question_by_ref(db, "ref-one-abcdef") == row.id and qlog.question_by_ref(db, "nope") is None


def test_a_flood_of_feedback_for_unknown_answers_is_dropped_and_said_once_with_its_count(tmp_path, caplog):
    """POST /v1/feedback is public: forged refs must neither reach the log nor write a
    line each into the server's own log."""
    from faqrag.learn import log_writer

    db = tmp_path / "logs.db"
    writer = log_writer.BackgroundWriter(db, "api")
    writer.put([("How do I reset it?", {**ANSWERED, "ref": "ref-one-abcdef"})])
    with caplog.at_level("WARNING", logger="faqrag.qlog"):
        for n in range(500):
            writer.put_feedback(log_writer.Feedback(f"forged-{n:06d}", n % 2 == 0))
            if n == 250:
                writer.put_feedback(log_writer.Feedback("ref-one-abcdef", True))
        writer.close(timeout=30)
    said = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert 1 <= len(said) <= 2 and sum(int(m.split()[0]) for m in said) == 500
    [row] = qlog.recent(db)
    assert row.helpful is True
    with qlog.connect(db) as c:
        assert c.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] == 1


@pytest.mark.parametrize(
    ("name", "log"), [("index", "logs.db"), ("covid-index", "covid-index.logs.db"), ("idx.v2", "idx.v2.logs.db")]
)
def test_each_index_folder_has_its_own_log_beside_it(tmp_path, monkeypatch, name, log):
    monkeypatch.delenv(qlog.ENV, raising=False)
    assert qlog.log_path(tmp_path / name) == tmp_path / log
    assert qlog.log_path(tmp_path / name / "") == tmp_path / log  # a trailing slash names the same folder


@pytest.mark.parametrize("given", ["..", "../..", "sub/..", ".", "./", "sub/../.."])
def test_an_index_named_by_dots_has_its_log_beside_that_folder_never_inside_it(tmp_path, monkeypatch, given):
    monkeypatch.delenv(qlog.ENV, raising=False)
    here = tmp_path / "a" / "b"
    (here / "sub").mkdir(parents=True)
    monkeypatch.chdir(here)
    folder = Path(os.path.normpath(here / given))
    db = qlog.log_path(Path(given))
    assert db == folder.parent / f"{folder.name}.logs.db"
    assert folder not in db.parents  # a rebuild replaces the index folder whole


@pytest.mark.parametrize("where", ["missing", "under a file", "a folder"])
def test_feedback_for_a_log_that_is_missing_or_cannot_be_opened_is_dropped_quietly(tmp_path, caplog, where):
    """Feedback can come before any answer was logged (a fresh server, a forged ref), or
    to a log that cannot be written: dropped and counted, never a traceback."""
    from faqrag.learn import log_writer

    db = {"missing": tmp_path / "logs.db", "under a file": tmp_path / "f" / "logs.db", "a folder": tmp_path}[where]
    (tmp_path / "f").write_text("a file, not a folder")
    with caplog.at_level("WARNING", logger="faqrag.qlog"):
        assert qlog.question_by_ref(db, "ref-before-any-answer") is None
        writer = log_writer.BackgroundWriter(db, "api")
        writer.put_feedback(log_writer.Feedback("ref-before-any-answer", False))
        writer.close(timeout=15)
    assert not [r for r in caplog.records if r.levelname == "ERROR"], [r.getMessage() for r in caplog.records]
    assert any("1 feedback(s)" in r.getMessage() for r in caplog.records)
