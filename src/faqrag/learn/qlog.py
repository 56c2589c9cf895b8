"""The question log: what was asked, what was answered, and whether it helped.

One SQLite file (``logs.db`` beside the index folder by default) in WAL mode,
so page sessions, CLI runs and server workers can write at once; each write is
one short transaction, so a process killed mid-write loses at most the row it
was writing. The schema grows by small named migrations applied once each and
recorded in ``_faqrag_migrations`` (the way simonw/llm's ``migrations.py``
does), so a log written by an older faqrag opens in a newer one. Retention is
applied on write, through indexed deletes, so the file stays bounded.

Only what was asked and what was answered is kept: no user, address or session.
Logging never breaks answering: ``log_answer`` returns None when it cannot write.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faqrag import env
from faqrag.errors import FaqragError
from faqrag.files import confine
from faqrag.learn.migrations import migrate, now_utc

DB_NAME = "logs.db"
DEFAULT_INDEX_NAME = "index"  # the default index folder keeps the plain name its log always had
ENV = env.LOG  # a path, or "off"
OFF = frozenset({"off", "0", "false", "no", "none"})
CHANNELS = ("page", "cli", "api", "eval")
LOW_CONFIDENCE = 0.65  # below this an answer is "Low" on the page, and worth a maintainer's look
BUSY_MS = 10_000  # how long a writer waits for another's lock before giving up

log = logging.getLogger("faqrag.qlog")


class LogError(FaqragError):
    """The question log cannot be read."""


@dataclass(frozen=True)
class Logged:
    """One logged question with its answer's facts and its feedback (None: none given)."""

    id: int
    asked_at: str
    channel: str
    question: str
    abstained: bool
    confidence: float
    source: str | None
    doc: str | None
    chunk_id: str | None
    answer: str | None
    helpful: bool | None
    weak: tuple[str, ...] = ()  # why an answer given with confidence may be wrong (answer/support.py)
    handed_off: bool = False  # shown the way to a person

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "weak": list(self.weak)}


# ----------------------------------------------------------------- where


def log_path(index_dir: Path, enabled: bool = True) -> Path | None:
    """Where questions are logged: $FAQRAG_LOG (a path, or "off"), else beside the
    index folder, named after it (not inside it: a rebuild replaces that folder
    whole): ``logs.db`` for the default ``index/``, ``NAME.logs.db`` for a folder
    ``NAME/``, so two indexes side by side never share a log; None when logging is off."""
    given = env.log_setting()
    if given.lower() in OFF or not enabled:
        return None
    if given:
        return Path(given)
    # abspath, not Path.absolute: "..", "a/.." and "." are folded away, so the log of
    # ``--index ..`` is beside that folder, not "...logs.db" inside it (symlinks are kept:
    # an index reached through a link keeps its log whichever folder the link names).
    folder = Path(os.path.abspath(index_dir))
    name = folder.name or DEFAULT_INDEX_NAME
    return folder.parent / (DB_NAME if name == DEFAULT_INDEX_NAME else f"{name}.{DB_NAME}")


# One connection per log file per process, kept open: closing the last one
# checkpoints the WAL into the database and syncs it, which made every logged
# question cost ~20 ms. Page sessions are threads, so it is shared under a lock;
# a process made by fork opens its own (the key holds the pid), and a file
# moved aside or deleted is noticed (the key holds its inode) and started anew.
_OPEN: dict[tuple[int, str], tuple[int, sqlite3.Connection, threading.RLock]] = {}
_OPEN_LOCK = threading.Lock()


@contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    """An open, migrated connection in autocommit mode (transactions are explicit),
    for this thread alone while the block runs."""
    path = confine(Path(path), Path(path).parent, *SIDE_FILES)
    if path.is_dir():
        raise LogError(f"question log path {path} is a folder; set {ENV} to a file path")
    key = (os.getpid(), str(path.absolute()))
    with _OPEN_LOCK:
        entry = _OPEN.get(key)
        if entry is not None and entry[0] != _inode(path):
            _OPEN.pop(key)
            entry[1].close()
            entry = None
        if entry is None:
            db = _open(path)
            entry = (_inode(path), db, threading.RLock())
            _OPEN[key] = entry
    _, db, lock = entry
    with lock:
        try:
            yield db
        except BaseException as err:
            try:
                if db.in_transaction:  # the connection outlives this block: leave it clean
                    db.execute("ROLLBACK")
            except sqlite3.Error:
                forget(path)
            if isinstance(err, sqlite3.DatabaseError):
                forget(path)
                raise LogError(
                    f"question log {path} cannot be used ({err}); move it aside and a new one is started"
                ) from None
            raise


# SQLite follows links: a logs.db (or its -wal) linking elsewhere would be written there.
SIDE_FILES = ("-wal", "-shm", "-journal")


def _open(path: Path) -> sqlite3.Connection:
    try:
        db = sqlite3.connect(path, timeout=BUSY_MS / 1000, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as err:
        raise LogError(f"question log {path} cannot be opened ({err}); set {ENV} to a file you can write") from None
    try:
        db.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")  # WAL: a commit survives a process kill, not a power cut
        db.execute("PRAGMA foreign_keys = ON")
        migrate(db)
    except sqlite3.DatabaseError as err:
        db.close()
        raise LogError(f"question log {path} cannot be used ({err}); move it aside and a new one is started") from None
    return db


def _inode(path: Path) -> int:
    try:
        return path.stat().st_ino
    except OSError:
        return -1


def forget(path: Path) -> None:
    """Close this process's connection to a log (tests, and a log found broken)."""
    with _OPEN_LOCK:
        entry = _OPEN.pop((os.getpid(), str(Path(path).absolute())), None)
    if entry is not None:
        entry[1].close()


# ----------------------------------------------------------------- write


@dataclass(frozen=True)
class Retention:
    """Rows older than ``days`` and beyond the newest ``rows`` are dropped on write."""

    days: int = 180
    rows: int = 100_000


def retention(settings: Any) -> Retention:
    return Retention(days=settings.log_keep_days, rows=settings.log_keep_rows)


def log_answer(
    db_path: Path | None,
    question: str,
    response: Any,
    channel: str,
    retention: Retention | None = None,
) -> int | None:
    """Record one answered question (an engine ``Response`` or its ``to_dict()``);
    its id, or None when logging is off or the log cannot be written (said in
    the server log: a full disk must not stop answers)."""
    ids = log_answers(db_path, [(question, response)], channel, retention)
    return ids[0] if ids else None


def log_answers(
    db_path: Path | None,
    answered: list[tuple[str, Any]],
    channel: str,
    retention: Retention | None = None,
) -> list[int] | None:
    """Record several answered questions, (question, response) pairs, in one
    transaction (the server logs a batch at once: a write per question cost
    it more than answering); their ids, or None as for ``log_answer``."""
    if db_path is None or not answered:
        return None
    now = now_utc()
    rows = [(now, channel, question, *_facts(response)) for question, response in answered]
    try:
        with connect(Path(db_path)) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                ids = [int(db.execute(_INSERT, row).lastrowid) for row in rows]
                handed = [(i, t, now) for i, (_, r) in zip(ids, answered) if (t := _declined_handoff(r))]
                db.executemany("INSERT OR REPLACE INTO handoffs VALUES (?, ?, ?)", handed)
                _trim(db, retention or Retention())
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            return ids
    except (FaqragError, sqlite3.Error, OSError) as err:
        log.warning("question not logged to %s: %s", db_path, err)
        return None


_INSERT = (
    "INSERT INTO questions (asked_at, channel, question, abstained, confidence, source, doc, chunk_id, answer, "
    "weak, ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _facts(response: Any) -> tuple:
    """(abstained, confidence, source, doc, chunk_id, answer text, weak support, ref) of
    a ``Response`` or its dict, read without converting the whole answer."""
    if isinstance(response, dict):
        a = response.get("answer") or {}
        weak = response.get("weak_support") or []
        return (
            int(bool(response.get("abstained"))),
            float(response.get("confidence") or 0.0),
            a.get("source"),
            a.get("doc"),
            a.get("chunk_id"),
            a.get("text"),
            "\n".join(str(w) for w in weak) or None,
            response.get("ref"),
        )
    a = response.answer
    return (
        int(bool(response.abstained)),
        float(response.confidence or 0.0),
        *((a.source, a.doc, a.chunk_id, a.text) if a else (None, None, None, None)),
        "\n".join(getattr(response, "weak_support", None) or []) or None,
        getattr(response, "ref", None),
    )


def handoff_target(response: Any) -> str | None:
    """Where a ``Response`` (or its dict) sends a visitor who wants a person, if anywhere."""
    h = response.get("handoff") if isinstance(response, dict) else getattr(response, "handoff", None)
    if not h:
        return None
    return h.get("target") if isinstance(h, dict) else h.target


def _declined_handoff(response: Any) -> str | None:
    """A decline shows its way to a person at once: logged as a hand-off with it."""
    declined = response.get("abstained") if isinstance(response, dict) else response.abstained
    return handoff_target(response) if declined else None


def _trim(db: sqlite3.Connection, keep: Retention) -> None:
    # Both deletes seek an index (asked_at, the rowid), so each write stays cheap.
    cutoff = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - keep.days * 86400))
    db.execute("DELETE FROM questions WHERE asked_at < ?", (cutoff,))
    # Ids only grow, so the newest ``rows`` have ids above max - rows (fewer, where
    # age already took some): a lookup, not a walk through the table as OFFSET is.
    db.execute("DELETE FROM questions WHERE id <= (SELECT MAX(id) FROM questions) - ?", (keep.rows,))


def record_feedback(db_path: Path, question_id: int, helpful: bool, handoff: str | None = None) -> bool:
    """Store (or change) whether an answer helped, and, when the visitor was then
    shown the way to a person (``handoff``, its target), that hand-off; False when
    that question is not in the log."""
    with connect(Path(db_path)) as db:
        if db.execute("SELECT 1 FROM questions WHERE id = ?", (question_id,)).fetchone() is None:
            return False
        db.execute(
            "INSERT INTO feedback VALUES (?, ?, ?) ON CONFLICT(question_id) DO UPDATE "
            "SET helpful = excluded.helpful, given_at = excluded.given_at",
            (question_id, int(bool(helpful)), now_utc()),
        )
        if handoff and not helpful:
            db.execute("INSERT OR REPLACE INTO handoffs VALUES (?, ?, ?)", (question_id, handoff, now_utc()))
        return True


def question_by_ref(db_path: Path, ref: str) -> int | None:
    """The log id of the answer the server sent with reference ``ref``, if logged."""
    if not Path(db_path).is_file():  # nothing logged yet (feedback can come before any answer)
        return None
    rows = _read(Path(db_path), "SELECT id FROM questions WHERE ref = ? ORDER BY id DESC LIMIT 1", (ref,))
    return int(rows[0][0]) if rows else None


def record_review(db_path: Path, question_ids: list[int], action: str) -> None:
    """Mark questions as reviewed, so the review page stops listing them."""
    with connect(Path(db_path)) as db:
        db.execute("BEGIN IMMEDIATE")
        db.executemany(
            "INSERT OR REPLACE INTO reviews VALUES (?, ?, ?)", [(int(q), action, now_utc()) for q in question_ids]
        )
        db.execute("COMMIT")


# ------------------------------------------------------------------ read


def recent(
    db_path: Path,
    limit: int = 20,
    *,
    declined: bool = False,
    unhelpful: bool = False,
    low_confidence: bool = False,
    weak: bool = False,
    unreviewed: bool = False,
) -> list[Logged]:
    """The newest logged questions, newest first. The filters widen one another
    (a question declined OR marked unhelpful OR low in confidence OR answered
    with weak support), since each is a reason to look at it."""
    if not Path(db_path).exists():
        raise LogError(f"no question log at {db_path}; questions are logged once asked (or set {ENV})")
    reasons = []
    if declined:
        reasons.append("q.abstained = 1")
    if unhelpful:
        reasons.append("f.helpful = 0")
    if low_confidence:
        reasons.append(f"(q.abstained = 0 AND q.confidence < {LOW_CONFIDENCE})")
    if weak:
        reasons.append("(q.abstained = 0 AND q.weak IS NOT NULL)")
    where = [f"({' OR '.join(reasons)})"] if reasons else []
    if unreviewed:
        where.append("r.question_id IS NULL")
    sql = (
        "SELECT q.id, q.asked_at, q.channel, q.question, q.abstained, q.confidence, q.source, q.doc, "
        "q.chunk_id, q.answer, f.helpful, q.weak, h.target IS NOT NULL FROM questions q "
        "LEFT JOIN feedback f ON f.question_id = q.id LEFT JOIN reviews r ON r.question_id = q.id "
        "LEFT JOIN handoffs h ON h.question_id = q.id"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY q.id DESC LIMIT ?"
    )
    rows = _read(Path(db_path), sql, (limit,))
    return [
        Logged(
            *r[:4],
            bool(r[4]),
            *r[5:10],
            helpful=None if r[10] is None else bool(r[10]),
            weak=tuple(r[11].splitlines()) if r[11] else (),
            handed_off=bool(r[12]),
        )
        for r in rows
    ]


def _read(path: Path, sql: str, params: tuple) -> list[tuple]:
    """Rows of a query; a log this process cannot write (a read-only file or folder,
    a copy kept for audit) is read as it stands rather than refused."""
    confine(path, path.parent, *SIDE_FILES)
    if os.access(path, os.W_OK) and os.access(path.parent, os.W_OK):
        with connect(path) as db:
            return db.execute(sql, params).fetchall()
    from faqrag.learn.log_readonly import read_as_it_stands

    try:
        return read_as_it_stands(path, sql, params)
    except (OSError, sqlite3.Error) as err:
        raise LogError(
            f"question log {path} is read-only and cannot be read ({err}); copy it somewhere writable"
        ) from None
