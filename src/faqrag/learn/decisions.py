"""Review decisions, kept in the question log with what each wrote, so every one can
be undone: the alternates it linked, the FAQ entry it added, the labelled questions
it appended, and the log rows it marked reviewed. Undoing one takes exactly those
out again (never what an earlier decision wrote) and puts its questions back in
the review queue; the next "Apply reviews" rebuilds and checks the index as for
any review.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from faqrag.errors import FaqragError
from faqrag.ingest.alternates import Alternate
from faqrag.learn import qlog
from faqrag.learn.migrations import now_utc
from faqrag.limits import loads


@dataclass(frozen=True)
class Decision:
    """One review decision and what it wrote."""

    id: int
    action: str  # review.LINKED | review.NEW_ENTRY | review.NOT_COVERED
    decided_at: str
    questions: tuple[str, ...]  # as asked
    question_ids: tuple[int, ...]  # their log rows
    labelled: tuple[str, ...]  # ids of the rows it appended to the reviewed set
    alternates: tuple[Alternate, ...] = ()  # the links it added
    entry: tuple[str, str] | None = None  # the FAQ entry it added: (question, answer)
    target: str = ""  # what it linked to, as a maintainer reads it
    undone_at: str | None = None

    def detail(self) -> str:
        return json.dumps(
            {
                "questions": list(self.questions),
                "question_ids": list(self.question_ids),
                "labelled": list(self.labelled),
                "alternates": [[a.question, a.doc, a.target, a.text] for a in self.alternates],
                "entry": list(self.entry) if self.entry else None,
                "target": self.target,
            },
            ensure_ascii=False,
        )


def record(db_path: Path | None, decision: Decision) -> int | None:
    """Keep a decision (its id is given here); None without a log."""
    if db_path is None:
        return None
    with qlog.connect(Path(db_path)) as db:
        cur = db.execute(
            "INSERT INTO decisions (action, decided_at, detail) VALUES (?, ?, ?)",
            (decision.action, now_utc(), decision.detail()),
        )
        return int(cur.lastrowid)


def listed(db_path: Path, limit: int = 50, *, undone: bool = False) -> list[Decision]:
    """The newest decisions, newest first (those undone only when asked)."""
    if not Path(db_path).exists():
        return []
    where = "" if undone else " WHERE undone_at IS NULL"
    with qlog.connect(Path(db_path)) as db:
        rows = db.execute(
            f"SELECT id, action, decided_at, detail, undone_at FROM decisions{where} ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()
    return [_decision(r) for r in rows]


def get(db_path: Path, decision_id: int) -> Decision:
    with qlog.connect(Path(db_path)) as db:
        row = db.execute(
            "SELECT id, action, decided_at, detail, undone_at FROM decisions WHERE id = ?", (decision_id,)
        ).fetchone()
    if row is None:
        raise FaqragError(f"no review decision {decision_id} in the question log; reload the page")
    return _decision(row)


def claim(db_path: Path, decision_id: int) -> Decision:
    """The decision, marked undone from now: in one statement, so that of two undos of
    it at once (two tabs, a double click) one goes ahead and the other is told."""
    with qlog.connect(Path(db_path)) as db:
        taken = db.execute(
            "UPDATE decisions SET undone_at = ? WHERE id = ? AND undone_at IS NULL", (now_utc(), decision_id)
        ).rowcount
    d = get(db_path, decision_id)
    if not taken:
        raise FaqragError("that review was undone already; reload the page")
    return d


def release(db_path: Path, decision: Decision) -> None:
    """A claimed undo that could not be done: the decision stands again."""
    with qlog.connect(Path(db_path)) as db:
        db.execute("UPDATE decisions SET undone_at = NULL WHERE id = ?", (decision.id,))


def requeue(db_path: Path, decision: Decision) -> None:
    """An undone decision's questions go back to the review queue."""
    with qlog.connect(Path(db_path)) as db:
        db.execute("BEGIN IMMEDIATE")
        db.executemany("DELETE FROM reviews WHERE question_id = ?", [(q,) for q in decision.question_ids])
        db.execute("COMMIT")


def _decision(row: Sequence) -> Decision:
    d = loads(row[3])
    return Decision(
        id=int(row[0]),
        action=row[1],
        decided_at=row[2],
        questions=tuple(d.get("questions") or ()),
        question_ids=tuple(int(i) for i in d.get("question_ids") or ()),
        labelled=tuple(d.get("labelled") or ()),
        alternates=tuple(Alternate(*a) for a in d.get("alternates") or ()),
        entry=tuple(d["entry"]) if d.get("entry") else None,
        target=d.get("target") or "",
        undone_at=row[4],
    )
