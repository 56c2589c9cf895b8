"""Writing the question log from a thread of its own, for the server: a write may
wait for another process's lock, and answers must not wait with it."""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faqrag.learn import qlog
from faqrag.learn.qlog import Retention, log_answers

log = logging.getLogger("faqrag.qlog")
# Feedback naming an answer not in the log (a forged or mistyped ref, an answer trimmed
# since) is dropped: said at most once a minute, with the count, so that a flood of
# such posts to the public endpoint does not write a line each into the server's log.
DROPPED_EVERY_S = 60.0


@dataclass(frozen=True)
class Feedback:
    """A visitor's "Yes"/"No" on an answer the server sent with reference ``ref``,
    and the way to a person shown after a "No" (its target), if any."""

    ref: str
    helpful: bool
    handoff: str | None = None


class BackgroundWriter:
    """``log_answers`` from a thread of its own: a write may wait up to qlog.BUSY_MS for
    another process's lock (a second worker, the review page), and answers must
    not wait with it. What is waiting when the thread wakes goes in one write.
    Feedback goes through the same queue, so it lands after the answer it is about."""

    def __init__(self, db_path: Path | None, channel: str, retention: Retention | None = None):
        self._args = (db_path, channel, retention)
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._dropped, self._said_at = 0, float("-inf")
        self._thread = threading.Thread(target=self._run, name="faqrag-log", daemon=True)
        self._thread.start()

    def put(self, answered: list[tuple[str, Any]]) -> None:
        self._queue.put(answered)

    def put_feedback(self, feedback: Feedback) -> None:
        self._queue.put(feedback)

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued, then stop."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        stop = False
        while not stop:
            item = self._queue.get()
            if item is None:
                break
            items = [item]
            while True:  # what else is waiting goes in the same write
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                items.append(more)
            try:
                self._write(items)
            except Exception:  # log_answers reports its own errors; anything else must not end the thread
                log.exception("questions not logged")
        self._say_dropped(now=True)  # what the last minute dropped, before the process ends

    def _write(self, items: list) -> None:
        """Answers in one transaction, then the feedback (which names answers by their ref)."""
        db_path, channel, retention = self._args
        batch = [x for item in items if not isinstance(item, Feedback) for x in item]
        if batch:
            log_answers(db_path, batch, channel, retention)
        for f in (item for item in items if isinstance(item, Feedback)):
            qid = qlog.question_by_ref(db_path, f.ref) if db_path is not None else None
            if qid is None:
                self._dropped += 1
                continue
            qlog.record_feedback(db_path, qid, f.helpful, f.handoff)
        self._say_dropped()

    def _say_dropped(self, *, now: bool = False) -> None:
        at = time.monotonic()
        if self._dropped and (now or at - self._said_at >= DROPPED_EVERY_S):
            log.warning("%d feedback(s) naming an answer not in the log were dropped", self._dropped)
            self._dropped, self._said_at = 0, at
