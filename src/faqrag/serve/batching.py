"""Micro-batching: questions that arrive together are embedded together.

``MicroBatcher`` collects waiting questions, embeds them in batches of like
length on encoding threads, answers each batch on a thread of its own, and
hands results back to asyncio or thread-safe futures. Nothing here knows HTTP.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from concurrent.futures import Future

import numpy as np

log = logging.getLogger("faqrag.batching")


class MicroBatcher:
    """Threads that embed whatever questions are waiting, together (``encoders`` of them,
    a batch each at a time), and one that answers them.

    Under load, questions arriving while a batch is encoded wait for the next
    one, so the model sees batches and throughput approaches batched encoding;
    ``wait_s`` for company is spent only while busy (the last batch held more
    than one question), so a lone client pays no wait at all. A job may bring
    ``prepare(text) -> (text to embed, context)`` (the question's rewrite, in
    the embedding thread) and ``then(vector, embed_ms, context)`` (its answer,
    in the answering thread); ``then``'s result is the future's, and
    ``after_batch(results)`` sees a batch's results once they are handed back
    (the server logs them in one write, off the answers' path: a lone question
    would otherwise wait for the log's commit). Answering in a thread of its own lets
    the model encode the next batch meanwhile (it runs outside the interpreter
    lock), where one thread for both left the model idle while it answered and
    the answering idle while it encoded; and it keeps that work off the
    server's event loop.
    """

    def __init__(self, embedder, *, max_batch: int = 32, wait_s: float = 0.002, after_batch=None, encoders: int = 1):
        self.embedder = embedder
        self._max = max_batch
        self._wait = wait_s
        self._after = after_batch
        self._encoders = encoders
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._embedded: queue.SimpleQueue = queue.SimpleQueue()  # (jobs, vectors, ms), to answer
        self._threads = [
            *(
                threading.Thread(target=self._embed_loop, name=f"faqrag-embed-{n}", daemon=True)
                for n in range(encoders)
            ),
            threading.Thread(target=self._answer_loop, name="faqrag-answer", daemon=True),
        ]
        for t in self._threads:
            t.start()

    def submit(self, text: str, then=None, prepare=None) -> Future:
        fut: Future = Future()
        self._queue.put((text, prepare, then, fut))
        return fut

    def submit_async(self, text: str, then=None, prepare=None) -> asyncio.Future:
        """As ``submit``, from a coroutine: an asyncio future of the running loop, settled
        in that loop once per batch (one wake-up of the loop for a batch, not a
        thread-safe future and a wake-up per question, which cost as much as parsing
        the request)."""
        fut = asyncio.get_running_loop().create_future()
        self._queue.put((text, prepare, then, fut))
        return fut

    def alive(self) -> bool:
        """Whether every thread still runs (they outlive failing batches; this is for the unforeseen)."""
        return all(t.is_alive() for t in self._threads)

    def close(self) -> None:
        self._queue.put(None)
        for t in self._threads:
            t.join(timeout=5)

    def _collect(self, busy: bool) -> list | None:
        """The next batch: what is waiting, after ``wait_s`` for company when busy; None to stop."""
        item = self._queue.get()
        if item is None:
            self._queue.put(None)  # for the other encoding threads
            return None
        batch = [item]
        deadline = time.monotonic() + (self._wait if busy else 0.0)
        while len(batch) < self._max:
            left = deadline - time.monotonic()
            try:
                nxt = self._queue.get(timeout=left) if left > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if nxt is None:
                self._queue.put(None)  # stop after this batch
                break
            batch.append(nxt)
        return batch

    def _embed_loop(self) -> None:
        busy = False  # the last batch held more than one question
        try:
            while (batch := self._collect(busy)) is not None:
                busy = len(batch) > 1
                t0 = time.perf_counter()
                jobs = []  # (text to embed, context, then, future)
                failed = []  # (future, None, error)
                for text, prepare, then, fut in batch:
                    if not _start(fut):
                        continue  # its request gave up waiting
                    try:
                        jobs.append((*(prepare(text) if prepare else (text, None)), then, fut))
                    except BaseException as err:
                        failed.append((fut, None, err))
                _settle(failed)
                if not jobs:
                    continue
                try:
                    vecs = self._encode([job[0] for job in jobs])
                    if len(vecs) != len(jobs):
                        raise RuntimeError(f"the model gave {len(vecs)} vectors for {len(jobs)} questions")
                except BaseException as err:  # the waiting requests report it; this thread lives on
                    _settle([(fut, None, err) for *_, fut in jobs])
                    continue
                self._embedded.put((jobs, vecs, (time.perf_counter() - t0) * 1000))
        finally:
            self._embedded.put(None)

    def _encode(self, texts: list[str]) -> np.ndarray:
        """The texts' vectors, encoded in groups of like length (``length_groups``)."""
        groups = length_groups([len(t) for t in texts])
        if len(groups) == 1:
            return self.embedder.encode(texts, batch_size=len(texts))
        parts = [self.embedder.encode([texts[i] for i in g], batch_size=len(g)) for g in groups]
        out = np.empty((len(texts), parts[0].shape[1]), dtype=parts[0].dtype)
        out[np.concatenate(groups)] = np.concatenate(parts)
        return out

    def _answer_loop(self) -> None:
        running = self._encoders
        while running:
            item = self._embedded.get()
            if item is None:  # an encoding thread stopped
                running -= 1
                continue
            try:
                self._answer_batch(item)
            except Exception as err:  # this thread answers every batch: it must outlive any one
                log.exception("answering a batch")
                _settle([(fut, None, err) for *_, fut in item[0] if not fut.done()])

    def _answer_batch(self, item) -> None:
        """Answer one encoded batch, hand the answers back, then run the hook."""
        jobs, vecs, ms = item
        outcomes = []  # (future, result, error)
        for (_, context, then, fut), vec in zip(jobs, vecs):
            try:
                outcomes.append((fut, then(vec, ms, context) if then else (vec, ms), None))
            except BaseException as err:
                outcomes.append((fut, None, err))
        _settle(outcomes)  # answers first: the hook (the question log's write) is no part of them
        results = [result for _, result, err in outcomes if err is None]
        if self._after and results:
            try:
                self._after(results)
            except Exception:  # a hook's failure must not cost later answers
                log.exception("after a batch")


def _start(fut) -> bool:
    """Mark a job's future as being worked on; False when its request gave up."""
    if isinstance(fut, asyncio.Future):
        return not fut.cancelled()  # read from this thread: at worst one wasted answer
    return fut.set_running_or_notify_cancel()


def _settle(outcomes: list) -> None:
    """Hand results or errors to their futures: thread-safe ones at once, asyncio ones
    in their own loop, in one call per loop."""
    by_loop: dict = {}
    for fut, result, err in outcomes:
        if isinstance(fut, asyncio.Future):
            by_loop.setdefault(fut.get_loop(), []).append((fut, result, err))
        elif err is not None:
            fut.set_exception(err)
        else:
            fut.set_result(result)
    for loop, items in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle_in_loop, items)
        except RuntimeError:  # that loop is closed: nobody is waiting
            pass


def _settle_in_loop(items: list) -> None:
    for fut, result, err in items:
        if fut.done():
            continue  # its request timed out meanwhile
        if err is not None:
            fut.set_exception(err)
        else:
            fut.set_result(result)


CALL_COST_CHARS = 80  # what one more call to the model costs, in characters of padding (~17 tokens)


MAX_GROUP = 64  # texts in one group at most


def length_groups(lengths: list[int], call_cost: int = CALL_COST_CHARS) -> list[list[int]]:
    """Indexes of ``lengths`` in groups of like length, longest first, so that padding
    each group to its longest plus ``call_cost`` per group is least. A batch is padded
    to its longest text, and questions arrive in any order: one question twice as long
    as the others doubles the model's work on the whole batch (the same questions
    sorted by length, as batched encoding of a list does, padded a fifth less)."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    ls = [lengths[i] for i in order]
    n = len(ls)
    best = [0.0] + [float("inf")] * n  # best[j]: least cost of the first j (longest) texts
    cut = [0] * (n + 1)
    for j in range(1, n + 1):
        # Groups of at most MAX_GROUP: the search stays linear in the batch, whatever
        # max_micro_batch a server is given (a group that long gains nothing more).
        for i in range(max(0, j - MAX_GROUP), j):  # the last group is ls[i:j], padded to ls[i]
            cost = best[i] + call_cost + (j - i) * ls[i]
            if cost < best[j]:
                best[j], cut[j] = cost, i
    groups, j = [], n
    while j:
        groups.append(order[cut[j] : j])
        j = cut[j]
    return groups[::-1]
