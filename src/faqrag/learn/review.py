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
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from faqrag.errors import FaqragError
from faqrag.files import append_lines, confine, write_atomically
from faqrag.ingest import alternates
from faqrag.ingest.metadata import META_SUFFIX
from faqrag.learn import qlog
from faqrag.limits import MAX_QUESTION_FILE_BYTES, dumps, loads, read_capped
from faqrag.records import Chunk
from faqrag.text import normalize

REVIEWED_FAQ = "reviewed-faq.csv"
# What reviewed entries are called where they are shown (their source line, the
# page's header); the maintainer renames it in reviewed-faq.csv.meta.json.
REVIEWED_TITLE = "Help team answers"
# Cosine to a group's first question that joins the group. In groups of two or
# more, the share of questions whose answer is the group's usual one is 80%
# (COVID FAQ) and 71% (guide) at 0.8, 55% and 62% at 0.7 (tools/review_grouping.py,
# all-MiniLM-L6-v2); the page lets a maintainer untick those that do not belong.
GROUP_SIMILARITY = 0.8
GOLD_CHARS = 60  # a gold string is this long at most: enough to be unmistakable, short enough to be quoted whole
LINKED, NEW_ENTRY, NOT_COVERED = "linked", "new_entry", "not_covered"


@dataclass(frozen=True)
class Group:
    """Logged questions that ask the same thing, the first one standing for them."""

    items: tuple[qlog.Logged, ...]
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def lead(self) -> qlog.Logged:
        return self.items[0]

    @property
    def ids(self) -> list[int]:
        return [q.id for q in self.items]


def queue(db_path: Path, limit: int = 1000) -> list[qlog.Logged]:
    """Questions worth a maintainer's look that nobody reviewed yet, newest first."""
    return qlog.recent(db_path, limit, declined=True, unhelpful=True, low_confidence=True, unreviewed=True)


def group(questions: Sequence[qlog.Logged], embedder, threshold: float = GROUP_SIMILARITY) -> list[Group]:
    """Greedy threshold clustering on cosine: each question joins the first group
    whose lead it is this close to, else starts one. Same question text joins
    its twin without the model. Largest groups first (then the newest)."""
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
    return [Group(tuple(members[i])) for i in order]


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
    n = alternates.append(corpus_dir, [alternates.link_to(t, chunk, chunks, doc_title) for t in texts])
    _labelled(reviewed_path, questions, [gold_of_chunk(chunk)])
    _mark(db_path, questions, LINKED)
    return n


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
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    if not path.exists() or path.stat().st_size == 0:
        writer.writerow(["question", "answer"])
        _name_the_collection(path)
    writer.writerow([question, answer])
    append_lines(path, buf.getvalue(), within=corpus_dir)
    texts = [q if isinstance(q, str) else q.question for q in questions]
    others = [t for t in texts if normalize(t) != normalize(question)]
    alternates.append(corpus_dir, [alternates.Alternate(" ".join(t.split()), REVIEWED_FAQ, question) for t in others])
    _labelled(reviewed_path, questions, [gold_of(answer)])
    _mark(db_path, questions, NEW_ENTRY)


def not_covered(reviewed_path: Path, questions: Sequence[qlog.Logged | str], db_path: Path | None = None) -> None:
    _labelled(reviewed_path, questions, [])
    _mark(db_path, questions, NOT_COVERED)


def _labelled(path: Path, questions: Sequence[qlog.Logged | str], answers: list[str]) -> None:
    """Append the questions to the reviewed set (an eval file); a question
    reviewed again replaces nothing: its first label stands, as it was judged."""
    have = set()
    confine(path, path.parent)
    if path.exists():
        try:
            text = read_capped(path, MAX_QUESTION_FILE_BYTES)
        except (OSError, ValueError) as err:  # over the limit, not a file, not UTF-8
            raise FaqragError(f"cannot add to the reviewed set {path} ({err}); check it") from None
        for line in text.splitlines():
            try:  # a torn or hand-broken line is named by whoever reads the set as questions
                have.add(normalize(loads(line)["question"]))
            except (ValueError, KeyError, TypeError):
                continue
    lines = []
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
    if lines:
        path.parent.mkdir(parents=True, exist_ok=True)
        append_lines(path, "".join(lines), within=path.parent)


def _mark(db_path: Path | None, questions: Sequence[qlog.Logged | str], action: str) -> None:
    ids = [q.id for q in questions if not isinstance(q, str)]
    if db_path is not None and ids:
        qlog.record_review(db_path, ids, action)


def _name_the_collection(path: Path) -> None:
    """Give a new reviewed FAQ file a title, so its entries read as part of the help
    content ("Help team answers") rather than as a file name ("Reviewed faq")."""
    meta = path.with_name(path.name + META_SUFFIX)
    if not meta.exists() and not meta.is_symlink():
        write_atomically(meta, dumps({"title": REVIEWED_TITLE}) + "\n", within=path.parent)
