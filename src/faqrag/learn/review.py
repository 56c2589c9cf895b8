"""Reviewing what the guide failed to answer, and turning each review into data.

The review queue is the logged questions a maintainer should look at (declined,
low in confidence, or marked unhelpful, and not yet reviewed), grouped by
meaning so one decision covers every phrasing of one need. Each decision is
written where the next build and the next evaluation read it:

- **link** to an existing answer: the questions become alternate phrasings of
  that chunk (``corpus/alternates.jsonl``, see alternates.py);
- **new entry**: a question and answer appended to ``corpus/reviewed-faq.csv``,
  an ordinary FAQ file; the group's other questions become its alternates;
- **not covered**: nothing changes in the corpus.

Every reviewed question also becomes a labelled question in the reviewed set
(``eval/reviewed.jsonl``): covered, with a gold string taken from its answer,
or uncovered. Those are what ``faqrag tune`` calibrates the decline threshold on.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from faqrag.errors import FaqragError
from faqrag.files import append_lines, confine, folder_lock, write_atomically
from faqrag.ingest import alternates
from faqrag.learn import collection, decisions, qlog
from faqrag.learn.collection import REVIEWED_FAQ
from faqrag.limits import MAX_QUESTION_FILE_BYTES, line_at, loads, read_bytes_capped
from faqrag.records import Chunk
from faqrag.text import normalize, truncate

# Cosine to a group's first question that joins the group. In groups of two or
# more, the share of questions whose answer is the group's usual one is 80%
# (COVID FAQ) and 71% (guide) at 0.8, 55% and 62% at 0.7 (tools/review_grouping.py,
# all-MiniLM-L6-v2); the page lets a maintainer untick those that do not belong.
GROUP_SIMILARITY = 0.8
# Cosine from which a group's questions are close enough to an answer that the page
# pre-selects it. On eight labelled sets, the unit answering a covered question right
# stood at 0.8 or more in 118 of 344, one answering wrongly in 13 of 77, and the
# nearest unit to a question the content does not cover in none of 108: a default
# that seldom acts wrongly for the maintainer (tools/framing_figures.py).
PRESELECT_SIMILARITY = 0.8
GOLD_CHARS = 60  # a gold string is this long at most: enough to be unmistakable, short enough to be quoted whole
LINKED, NEW_ENTRY, NOT_COVERED = "linked", "new_entry", "not_covered"


@dataclass(frozen=True)
class Group:
    """Logged questions that ask the same thing, the first one standing for them."""

    items: tuple[qlog.Logged, ...]
    # Each item's question vector, from grouping: pre-selection compares them with an
    # answer without asking the model again on every redraw of the page.
    vectors: np.ndarray | None = field(default=None, compare=False)

    @property
    def lead(self) -> qlog.Logged:
        return self.items[0]

    @property
    def ids(self) -> list[int]:
        return [q.id for q in self.items]

    @property
    def asked(self) -> list[tuple[qlog.Logged, ...]]:
        """The items by question text (folded), first asked first: a question asked
        twice is one line for the maintainer to decide on, not two."""
        by_text: dict[str, list[qlog.Logged]] = {}
        for q in self.items:
            by_text.setdefault(normalize(q.question), []).append(q)
        return [tuple(same) for same in by_text.values()]


def queue(db_path: Path, limit: int = 1000) -> list[qlog.Logged]:
    """Questions worth a maintainer's look that nobody reviewed yet, newest first:
    declined, low in confidence, marked unhelpful, or answered with weak support."""
    return qlog.recent(db_path, limit, declined=True, unhelpful=True, low_confidence=True, weak=True, unreviewed=True)


def why_queued(same: tuple[qlog.Logged, ...]) -> str:
    """Why a question (asked once or more, the same words) is on the review page, in a few words."""
    q = same[0]
    times = f"queued {len(same)} times, " if len(same) > 1 else ""
    if q.abstained:
        why = "declined"
    elif q.confidence < qlog.LOW_CONFIDENCE:
        why = f"low confidence {q.confidence:.2f}"
    else:
        why = f"answered {q.confidence:.2f}"
    return times + why + (", marked unhelpful" if q.helpful is False else "") + (", handed off" if q.handed_off else "")


def weakly_supported(q: qlog.Logged) -> bool:
    """Answered with confidence and not marked unhelpful, but with a sign the engine
    saw against it (answer/support.py): queued apart from the plainly failed."""
    return bool(q.weak) and not q.abstained and q.confidence >= qlog.LOW_CONFIDENCE and q.helpful is not False


def group(questions: Sequence[qlog.Logged], embedder, threshold: float = GROUP_SIMILARITY) -> list[Group]:
    """Greedy threshold clustering on cosine: each question joins the first group
    whose lead it is this close to, else starts one. Same question text joins
    its twin without the model. Most asked first (then the newest)."""
    if not questions:
        return []
    texts = list(dict.fromkeys(normalize(q.question) for q in questions))
    vecs = embedder.encode([q for q in texts])
    vec = dict(zip(texts, np.asarray(vecs, dtype=np.float32)))
    leads: list[np.ndarray] = []
    members: list[list[qlog.Logged]] = []
    for q in questions:
        v = vec[normalize(q.question)]
        sims = [float(v @ lead) for lead in leads]
        best = int(np.argmax(sims)) if sims else -1
        if best >= 0 and sims[best] >= threshold:
            members[best].append(q)
        else:
            leads.append(v)
            members.append([q])
    order = sorted(range(len(members)), key=lambda i: (-len(members[i]), i))
    return [Group(tuple(members[i]), np.stack([vec[normalize(q.question)] for q in members[i]])) for i in order]


def newest_first(groups: Sequence[Group]) -> list[Group]:
    """Groups by their newest question, for a maintainer who wants what just came in."""
    return sorted(groups, key=lambda g: -max(q.id for q in g.items))


def preselect(group: Group, chunk_id: str | None, engine) -> str | None:
    """The closest answer to pre-select for a group: ``chunk_id`` only when every one
    of the group's questions is close to that unit (cosine PRESELECT_SIMILARITY to one
    of its views); otherwise nothing, and the maintainer chooses."""
    if chunk_id is None:
        return None
    rows = [i for i, c in enumerate(engine.stored.chunks) if c.id == chunk_id]
    if not rows:
        return None
    start, end = engine.retriever.view_start[rows[0]], engine.retriever.view_start[rows[0] + 1]
    views = np.asarray(engine.stored.vectors[start:end], dtype=np.float32)
    vecs = group.vectors
    if vecs is None:
        vecs = np.asarray(engine.embedder.encode([normalize(q.question) for q in group.items]), dtype=np.float32)
    return chunk_id if float((vecs @ views.T).max(axis=1).min()) >= PRESELECT_SIMILARITY else None


def gold_of(text: str) -> str:
    """A gold string from an answer: its start, cut at a word, at most GOLD_CHARS."""
    text = " ".join(text.split())
    if len(text) <= GOLD_CHARS:
        return text
    cut = text[:GOLD_CHARS]
    return cut[: cut.rfind(" ")] if " " in cut else cut


def gold_of_chunk(chunk: Chunk) -> str:
    return gold_of(chunk.answer or (chunk.part_text(0) if chunk.parts else chunk.text))


def link(
    corpus_dir: Path,
    reviewed_path: Path,
    questions: Sequence[qlog.Logged | str],
    chunk: Chunk,
    chunks: Sequence[Chunk],
    doc_title: str,
    db_path: Path | None = None,
) -> int:
    """Make the questions alternate phrasings of ``chunk``; how many were new."""
    texts = [q if isinstance(q, str) else q.question for q in questions]
    confine(reviewed_path, reviewed_path.parent)  # before the alternates are written
    with _one_writer(reviewed_path):
        added = alternates.append_new(corpus_dir, [alternates.link_to(t, chunk, chunks, doc_title) for t in texts])
        labelled = _labelled(reviewed_path, questions, [gold_of_chunk(chunk)])
    _mark(db_path, questions, LINKED)
    target = alternates.head_of(chunk, doc_title)
    _keep(db_path, LINKED, questions, labelled, links=tuple(added), target=target)
    return len(added)


def new_entry(
    corpus_dir: Path,
    reviewed_path: Path,
    questions: Sequence[qlog.Logged | str],
    question: str,
    answer: str,
    db_path: Path | None = None,
) -> None:
    """Append a question and answer to the reviewed FAQ file; the group's
    questions become its alternates."""
    question, answer = " ".join(question.split()), " ".join(answer.split())
    if not question or not answer:
        raise FaqragError("a new FAQ entry needs both a question and an answer; fill them in")
    path = corpus_dir / REVIEWED_FAQ
    for written, folder in ((path, corpus_dir), (corpus_dir / alternates.FILE, corpus_dir), (reviewed_path, None)):
        confine(written, folder or written.parent)  # all three checked before any is written
    with _one_writer(reviewed_path):
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        if not path.exists() or path.stat().st_size == 0:
            writer.writerow(["question", "answer"])
        collection.name_new(path)
        writer.writerow([question, answer])
        append_lines(path, buf.getvalue(), within=corpus_dir)
        texts = [q if isinstance(q, str) else q.question for q in questions]
        others = [t for t in texts if normalize(t) != normalize(question)]
        added = alternates.append_new(
            corpus_dir, [alternates.Alternate(" ".join(t.split()), REVIEWED_FAQ, question) for t in others]
        )
        labelled = _labelled(reviewed_path, questions, [gold_of(answer)])
    _mark(db_path, questions, NEW_ENTRY)
    _keep(db_path, NEW_ENTRY, questions, labelled, links=tuple(added), entry=(question, answer), target=question)


def not_covered(reviewed_path: Path, questions: Sequence[qlog.Logged | str], db_path: Path | None = None) -> None:
    with _one_writer(reviewed_path):
        labelled = _labelled(reviewed_path, questions, [])
    _mark(db_path, questions, NOT_COVERED)
    _keep(db_path, NOT_COVERED, questions, labelled)


def undo(db_path: Path, decision_id: int, corpus_dir: Path, reviewed_path: Path) -> list[str]:
    """Take back what one decision wrote: its alternates, its FAQ entry (the file goes
    when it was the last), its labelled questions; its questions return to the queue.
    What it wrote but someone changed by hand since is left as it is: said, a line each."""
    d = decisions.claim(db_path, decision_id)
    left = []
    try:
        with _one_writer(reviewed_path):
            alternates.remove(corpus_dir, d.alternates)
            if d.entry and not _remove_entry(corpus_dir / REVIEWED_FAQ, *d.entry):
                left.append(
                    f"the FAQ entry \u201c{truncate(d.entry[0], 80)}\u201d was changed in {REVIEWED_FAQ} since it "
                    "was added, so it is left there; remove it by hand if it should go"
                )
            _unlabel(reviewed_path, set(d.labelled))
    except BaseException:
        decisions.release(db_path, d)  # nothing was taken out, or the rest can be on a second try
        raise
    decisions.requeue(db_path, d)
    return left


def describe(d: decisions.Decision) -> str:
    """A decision in a few words, as "Reviews so far" lists it."""
    n = len(distinct(d.questions))
    if d.action == LINKED:
        return f"Linked {n} question(s) to \u201c{truncate(d.target, 100)}\u201d"
    if d.action == NEW_ENTRY:
        return f"New FAQ entry \u201c{truncate(d.target, 100)}\u201d for {n} question(s)"
    return f"Marked {n} question(s) not covered"


def distinct(questions: Sequence[str]) -> list[str]:
    """Questions once each, in order: one asked four times is one question decided on."""
    return list(dict.fromkeys(questions))


def in_index(listed: Sequence[decisions.Decision], chunks: Sequence[Chunk]) -> list[bool]:
    """Whether an index's chunks hold what each decision wrote (its links as views, its
    FAQ entry as a unit): what the page calls live. Read from the index itself, not from
    times: a build started before a decision, or from a corpus without it, ends later."""
    views = {normalize(text) for c in chunks for text, _ in c.views}
    entries = {normalize(c.question) for c in chunks if c.doc == REVIEWED_FAQ}
    return [
        (d.entry is None or normalize(d.entry[0]) in entries)
        and all(normalize(a.question) in views for a in d.alternates)
        for d in listed
    ]


@contextmanager
def _one_writer(reviewed_path: Path) -> Iterator[None]:
    """One review written at a time (page sessions, several page servers): an undo rewrites
    files whole, and a link appended meanwhile by another session would be lost. Every
    decision writes the reviewed set, so its folder is what they take turns on."""
    reviewed_path.parent.mkdir(parents=True, exist_ok=True)
    with folder_lock(reviewed_path.parent):
        yield


def _text(path: Path) -> str:
    """A file a review reads back (the reviewed set, reviewed-faq.csv): in its folder, read capped."""
    confine(path, path.parent)
    try:
        raw = read_bytes_capped(path, MAX_QUESTION_FILE_BYTES)
    except (OSError, ValueError) as err:  # over the limit, not a plain file
        raise FaqragError(f"cannot read {path} ({err}); check it") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise FaqragError(
            f"{path}, line {line_at(raw, err.start)}: not UTF-8 text (offset {err.start}); save it as UTF-8"
        ) from None


def _keep(
    db_path: Path | None,
    action: str,
    questions: Sequence[qlog.Logged | str],
    labelled: list[str],
    *,
    links: tuple[alternates.Alternate, ...] = (),
    entry: tuple[str, str] | None = None,
    target: str = "",
) -> None:
    texts = tuple(q if isinstance(q, str) else q.question for q in questions)
    ids = tuple(q.id for q in questions if not isinstance(q, str))
    decisions.record(db_path, decisions.Decision(0, action, "", texts, ids, tuple(labelled), links, entry, target))


def _remove_entry(path: Path, question: str, answer: str) -> bool:
    """The reviewed FAQ file without one entry (its first row with that question and
    answer); False when the file holds no such row (it was edited by hand)."""
    if not path.is_file():
        return True  # the file was deleted by hand: the entry is gone already
    try:
        rows = list(csv.reader(io.StringIO(_text(path))))
    except csv.Error as err:
        raise FaqragError(f"{path} cannot be read as CSV ({err}); fix it, then undo again") from None
    head, body = rows[:1], rows[1:]
    for i, row in enumerate(body):
        if row[:2] == [question, answer]:
            del body[i]
            break
    else:
        return False
    if not body:  # an FAQ file with no rows is refused by the build: the file goes (its title stays)
        path.unlink()
        return True
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(head + body)
    write_atomically(path, buf.getvalue(), within=path.parent)
    return True


def _unlabel(path: Path, ids: set[str]) -> None:
    """The reviewed set without the rows of these ids (other lines kept as written)."""
    if not ids or not path.is_file():
        return
    lines = _text(path).splitlines(keepends=True)
    kept = []
    for line in lines:
        try:
            row_id = loads(line).get("id")
        except (ValueError, AttributeError):
            row_id = None
        if row_id not in ids:
            kept.append(line)
    if len(kept) != len(lines):
        write_atomically(path, "".join(kept), within=path.parent)


def _labelled(path: Path, questions: Sequence[qlog.Logged | str], answers: list[str]) -> list[str]:
    """Append the questions to the reviewed set (an eval file); the ids it appended. A
    question reviewed again replaces nothing: its first label stands, as it was judged."""
    have = set()
    confine(path, path.parent)
    if path.exists():
        for line in _text(path).splitlines():
            try:
                have.add(normalize(loads(line)["question"]))
            except (ValueError, KeyError, TypeError):
                continue
    lines, written = [], []
    for q in questions:
        text = " ".join((q if isinstance(q, str) else q.question).split())
        if normalize(text) in have:
            continue
        have.add(normalize(text))
        # Named by the question itself: log ids start again with a new log, and
        # an eval file refuses an id used twice.
        qid = "r-" + hashlib.sha256(normalize(text).encode("utf-8")).hexdigest()[:12]
        row = {"id": qid, "type": "reviewed", "question": text, "answers": answers}
        lines.append(json.dumps(row, ensure_ascii=False) + "\n")
        written.append(qid)
    if lines:
        path.parent.mkdir(parents=True, exist_ok=True)
        append_lines(path, "".join(lines), within=path.parent)
    return written


def _mark(db_path: Path | None, questions: Sequence[qlog.Logged | str], action: str) -> None:
    ids = [q.id for q in questions if not isinstance(q, str)]
    if db_path is not None and ids:
        qlog.record_review(db_path, ids, action)
