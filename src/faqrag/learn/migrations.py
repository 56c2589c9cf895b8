"""The question log's schema: small named migrations, applied once each, in order,
and recorded in ``_faqrag_migrations`` (as simonw/llm's ``migrations.py`` does),
so a log written by an older faqrag opens in a newer one. A new column or table
is a new ``@migration`` at the end; never edit one that has shipped."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

MIGRATIONS_TABLE = "_faqrag_migrations"

MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = []


def migration(fn: Callable[[sqlite3.Connection], None]) -> Callable[[sqlite3.Connection], None]:
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_questions(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE questions (
            id INTEGER PRIMARY KEY,
            asked_at TEXT NOT NULL,
            channel TEXT NOT NULL,
            question TEXT NOT NULL,
            abstained INTEGER NOT NULL,
            confidence REAL NOT NULL,
            source TEXT,
            doc TEXT,
            chunk_id TEXT,
            answer TEXT
        )"""
    )
    db.execute("CREATE INDEX questions_asked_at ON questions(asked_at)")


@migration
def m002_feedback(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE feedback (
            question_id INTEGER PRIMARY KEY REFERENCES questions(id) ON DELETE CASCADE,
            helpful INTEGER NOT NULL,
            given_at TEXT NOT NULL
        )"""
    )


@migration
def m003_reviews(db: sqlite3.Connection) -> None:
    # What a maintainer did with a question on the review page (linked, new, not covered).
    db.execute(
        """CREATE TABLE reviews (
            question_id INTEGER PRIMARY KEY REFERENCES questions(id) ON DELETE CASCADE,
            action TEXT NOT NULL,
            reviewed_at TEXT NOT NULL
        )"""
    )


@migration
def m004_weak_support_and_refs(db: sqlite3.Connection) -> None:
    # Why an answer given with confidence may be wrong (answer/support.py), one reason a
    # line; and the server's reference for an answer, which POST /v1/feedback names.
    db.execute("ALTER TABLE questions ADD COLUMN weak TEXT")
    db.execute("ALTER TABLE questions ADD COLUMN ref TEXT")
    db.execute("CREATE INDEX questions_ref ON questions(ref) WHERE ref IS NOT NULL")


@migration
def m005_handoffs(db: sqlite3.Connection) -> None:
    # Visitors shown the way to a person (after "No", under a decline), and where to.
    db.execute(
        """CREATE TABLE handoffs (
            question_id INTEGER PRIMARY KEY REFERENCES questions(id) ON DELETE CASCADE,
            target TEXT NOT NULL,
            handed_at TEXT NOT NULL
        )"""
    )


@migration
def m006_decisions(db: sqlite3.Connection) -> None:
    # Each review decision with what it wrote (learn/review.py), so it can be undone.
    db.execute(
        """CREATE TABLE decisions (
            id INTEGER PRIMARY KEY,
            action TEXT NOT NULL,
            decided_at TEXT NOT NULL,
            detail TEXT NOT NULL,
            undone_at TEXT
        )"""
    )


def migrate(db: sqlite3.Connection) -> list[str]:
    """Apply the migrations this log has not had, in order; the names applied."""
    have = _applied(db)
    if have >= {m.__name__ for m in MIGRATIONS}:
        return []  # the usual case, without taking the write lock
    done = []
    db.execute("BEGIN IMMEDIATE")  # one process migrates; the others wait, then find it done
    try:
        db.execute(f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        have = _applied(db)
        for m in MIGRATIONS:
            if m.__name__ not in have:
                m(db)
                db.execute(f"INSERT INTO {MIGRATIONS_TABLE} VALUES (?, ?)", (m.__name__, now_utc()))
                done.append(m.__name__)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return done


def _applied(db: sqlite3.Connection) -> set[str]:
    try:
        return {r[0] for r in db.execute(f"SELECT name FROM {MIGRATIONS_TABLE}")}
    except sqlite3.OperationalError:  # no table yet: a new log
        return set()


def now_utc() -> str:
    """The log's time stamps: UTC, to the second, sortable as text."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
