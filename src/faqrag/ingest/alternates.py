"""Alternate phrasings: asked questions a maintainer linked to an existing answer.

``alternates.jsonl`` in the corpus folder holds one JSON object a line:
``{"question": "...", "doc": "guide.txt", "target": "...", "text": "..."}``.
The target chunk is named by its document and its question or heading text
(and, where several chunks share that heading, the start of its text), not by
its id, so a link survives rebuilds and edits elsewhere in the guide. Each
alternate becomes one more view of its chunk (role ALTERNATE): it counts for the
chunk's best cosine always, and as the chunk's own question (an FAQ match) when
the question nearly restates it (``Settings.alternate_threshold``). A link whose target is gone is
left out with a warning, never an error: the guide moved on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from faqrag.errors import CorpusError
from faqrag.files import append_lines, confine, inside, write_atomically
from faqrag.ingest.reading import read_bytes
from faqrag.ingest.tabular import jsonl_rows
from faqrag.limits import MAX_FILE_BYTES, bad_character, line_at
from faqrag.records import ALTERNATE, Chunk
from faqrag.text import normalize

FILE = "alternates.jsonl"
TEXT_PREFIX = 80  # characters of a chunk's text that tell it from its siblings under one heading
FIELDS = ("question", "doc", "target", "text")


@dataclass(frozen=True)
class Alternate:
    question: str
    doc: str
    target: str  # the chunk's question, or its heading
    text: str = ""  # the start of the chunk's text, when the heading is not enough


def head_of(chunk: Chunk, doc_title: str) -> str:
    """What names a chunk for a link: its question, else its heading (the document title at the top)."""
    return chunk.question or (chunk.trail[-1] if chunk.trail else doc_title)


def link_to(question: str, chunk: Chunk, chunks: Iterable[Chunk], doc_title: str) -> Alternate:
    """The alternate that points ``question`` at ``chunk``, with a text prefix
    only when other chunks of its document share its question or heading."""
    head = head_of(chunk, doc_title)
    shared = any(c.id != chunk.id and c.doc == chunk.doc and head_of(c, doc_title) == head for c in chunks)
    return Alternate(" ".join(question.split()), chunk.doc, head, chunk.text[:TEXT_PREFIX] if shared else "")


def read(
    corpus_dir: Path, *, read: Callable[[Path], bytes] | None = None, warn: Callable[[str], None] | None = None
) -> list[Alternate]:
    """The corpus folder's alternates (none without the file); a malformed line is a CorpusError.
    ``read``: how to read the file's bytes (a build's reader, which hashes what it reads).
    A file that links outside the corpus is left out, and ``warn`` hears of it (without
    ``warn``, as when the review page adds to it, it is an error)."""
    path = corpus_dir / FILE
    if (path.is_symlink() or path.exists()) and not inside(path, corpus_dir):
        if warn is None:
            confine(path, corpus_dir)
        warn(f"{path}: left out, it links outside the corpus folder; replace the link with the file")
        return []
    if not path.is_file():
        return []
    if path.stat().st_size > MAX_FILE_BYTES:
        raise CorpusError(f"{path}: over the {MAX_FILE_BYTES // 2**20} MiB limit for one file; prune it")
    try:
        raw = (read or read_bytes)(path)
        # Universal newlines, as reading it as text did: a file saved with CRLF reads the same.
        text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as err:
        raise CorpusError(f"{path}, line {line_at(raw, err.start)}: not UTF-8 text; fix or remove the line") from None
    out, seen = [], set()
    for line, row in jsonl_rows(text, path, CorpusError):
        alt = _alternate(row, path, line)
        if key(alt) not in seen:
            seen.add(key(alt))
            out.append(alt)
    return out


def _alternate(row: dict, path: Path, line: int) -> Alternate:
    """One line of the file as an alternate; a CorpusError naming the line when it is not one."""
    for key in ("question", "doc", "target"):
        if not isinstance(row.get(key), str) or not row[key].strip():
            raise CorpusError(f"{path}, line {line}: '{key}' must be a non-empty string; fix or remove the line")
    if not isinstance(row.get("text", ""), str):
        raise CorpusError(f"{path}, line {line}: 'text' must be a string; fix or remove the line")
    extra = set(row) - set(FIELDS)
    if extra:
        raise CorpusError(f"{path}, line {line}: unknown field(s) {', '.join(sorted(extra))}; use {', '.join(FIELDS)}")
    for key in FIELDS:
        bad = bad_character(row.get(key, ""))
        if bad:
            raise CorpusError(f"{path}, line {line}: '{key}' holds {bad}; remove it")
    return Alternate(" ".join(row["question"].split()), row["doc"], row["target"].strip(), row.get("text", ""))


def attach(
    chunks: list[Chunk], alternates: list[Alternate], titles: dict[str, str], warn: Callable[[str], None]
) -> list[Chunk]:
    """The chunks with each alternate as one more ALTERNATE view of its target."""
    if not alternates:
        return chunks
    by_head: dict[tuple[str, str], list[int]] = {}
    for i, c in enumerate(chunks):
        by_head.setdefault((c.doc, normalize(head_of(c, titles.get(c.doc, "")))), []).append(i)
    extra: dict[int, list[str]] = {}
    lost = []
    for alt in alternates:
        rows = by_head.get((alt.doc, normalize(alt.target)), [])
        if alt.text:
            rows = [i for i in rows if normalize(chunks[i].text).startswith(normalize(alt.text))]
        if not rows:
            lost.append(alt)
            continue
        have = {normalize(t) for t, _ in chunks[rows[0]].views} | {normalize(t) for t in extra.get(rows[0], [])}
        if normalize(alt.question) not in have:
            extra.setdefault(rows[0], []).append(alt.question)
    if lost:
        names = "; ".join(f"{a.doc} › {a.target}" for a in lost[:3]) + (
            f" and {len(lost) - 3} more" if len(lost) > 3 else ""
        )
        warn(f"{FILE}: {len(lost)} alternate question(s) point at an answer no longer in the corpus ({names})")
    return [
        replace(c, views=c.views + tuple((q, ALTERNATE) for q in extra[i])) if i in extra else c
        for i, c in enumerate(chunks)
    ]


def key(a: Alternate) -> tuple[str, str, str, str]:
    """What makes two alternates the same link (the question's spacing and case aside)."""
    return (normalize(a.question), a.doc, a.target, a.text)


def append(corpus_dir: Path, alternates: Iterable[Alternate]) -> int:
    """Add alternates to the corpus folder's file (each line written whole); how many were new."""
    return len(append_new(corpus_dir, alternates))


def append_new(corpus_dir: Path, alternates: Iterable[Alternate]) -> list[Alternate]:
    """``append``, returning the alternates it added (those not in the file already)."""
    path = corpus_dir / FILE
    have = {key(a) for a in read(corpus_dir)}
    added, lines = [], []
    for a in alternates:
        if key(a) not in have:
            have.add(key(a))
            added.append(a)
            lines.append(_line(a))
    if lines:
        append_lines(path, "".join(lines), within=corpus_dir)
    return added


def remove(corpus_dir: Path, alternates: Iterable[Alternate]) -> int:
    """Take alternates out of the corpus folder's file (a review undone), writing it
    whole; how many were removed. Every other link is kept (a duplicate line once)."""
    path = corpus_dir / FILE
    gone = {key(a) for a in alternates}
    if not gone or not path.is_file():
        return 0
    kept, removed = [], 0
    for a in read(corpus_dir):
        if key(a) in gone:
            removed += 1
        else:
            kept.append(_line(a))
    if removed:
        write_atomically(path, "".join(kept), within=corpus_dir)
    return removed


def _line(a: Alternate) -> str:
    row = {"question": a.question, "doc": a.doc, "target": a.target}
    if a.text:
        row["text"] = a.text
    return json.dumps(row, ensure_ascii=False) + "\n"
