"""Blocks to chunks: stable ids, answerable parts, and the texts we embed.

Each chunk is embedded through several *views*: the whole chunk under its
heading, each part on its own (a sentence, a list item, a directory line), and
for FAQ entries the question alone. Search scores a chunk by its best view, so a
one-sentence answer inside a long paragraph, or a question phrased like an FAQ
question, is found without a second model call at query time.
"""

from __future__ import annotations

import hashlib

from faqrag.ingest.parse import Block
from faqrag.limits import MAX_SHARED_CHARS
from faqrag.records import CODE, HEADING, ITEM, LEAD, QUESTION, SENTENCE, WHOLE, Chunk, Document
from faqrag.settings import ChunkSettings
from faqrag.text import split_sentences, truncate


def chunk_document(doc: Document, blocks: list[Block], settings: ChunkSettings) -> list[Chunk]:
    chunks: list[Chunk] = []
    for b in blocks:
        if b.kind == "passage":
            chunks.extend(_passages(doc, b, settings))
        elif b.kind == "list":
            chunks.append(_list(doc, b))
        elif b.kind == "faq":
            chunks.append(_faq(doc, b))
        elif b.kind == "entry":
            chunks.append(_entry(doc, b))
        elif b.kind == "section":
            chunks.append(_section(doc, b))
        elif b.kind == "code":
            chunks.append(_code(doc, b))
    return chunks


def item_marks(b: Block) -> list[str]:
    """Each list item's mark as shown: its number for a step ("3."), a bullet otherwise."""
    marks = b.marks or ("",) * len(b.items)
    return [mark or "\u2022" for mark in marks]


def heading_of(doc_title: str, trail: tuple[str, ...]) -> str:
    """The heading a chunk's views are prefixed with (cut to MAX_SHARED_CHARS: a
    document's title comes from its metadata, which no parser bounds)."""
    return shared(trail[-1] if trail else doc_title)


def shared(text: str) -> str:
    """A text repeated in many views (a heading, a lead-in), as long as a view repeats it."""
    return truncate(text, MAX_SHARED_CHARS)


def _id(doc: Document, kind: str, trail: tuple[str, ...], text: str) -> str:
    key = "\x1f".join((doc.doc_id, kind, *trail, text))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def _make(doc: Document, kind: str, b: Block, text: str, span, parts, views, **extra) -> Chunk:
    return Chunk(
        id=_id(doc, kind, b.trail, text),
        doc=doc.doc_id,
        kind=kind,
        trail=b.trail,
        text=text,
        span=span,
        parts=tuple(parts),
        views=tuple(views),
        **extra,
    )


def _passages(doc: Document, b: Block, settings: ChunkSettings) -> list[Chunk]:
    head = heading_of(doc.title, b.trail)
    sentences = split_sentences(b.text)
    # Window the sentences so that no chunk exceeds max_chars (a single longer
    # sentence stays whole: cutting it mid-clause helps nobody).
    windows: list[list[tuple[int, int]]] = [[]]
    for s, e in sentences:
        cur = windows[-1]
        if cur and e - cur[0][0] > settings.max_chars:
            windows.append([])
        windows[-1].append((s, e))
    out = []
    for win in windows:
        if not win:
            continue
        w0, w1 = win[0][0], win[-1][1]
        text = b.text[w0:w1]
        parts = [(s - w0, e - w0) for s, e in win]
        views = [(f"{head}: {text}", WHOLE)]
        if len(parts) > 1:
            views += [(f"{head}: {text[s:e]}", i) for i, (s, e) in enumerate(parts)]
        # The block span covers the source; a window maps into it proportionally
        # only when the block is one unsplit line, so keep the block span then.
        span = b.span if len(windows) == 1 else _sub_span(b, w0, w1)
        out.append(_make(doc, "passage", b, text, span, parts, views, part_roles=(SENTENCE,) * len(parts)))
    return out


def _sub_span(b: Block, start: int, end: int) -> tuple[int, int]:
    # Soft-wrapped lines were joined with single spaces, so offsets drift by at
    # most the number of joined newlines; clamp to the block.
    s = min(b.span[0] + start, b.span[1])
    e = min(b.span[0] + end, b.span[1])
    return (s, max(s, e))


def _list(doc: Document, b: Block) -> Chunk:
    head = heading_of(doc.title, b.trail)
    marks = [f"{mark} " for mark in item_marks(b)]
    lines = ([b.lead] if b.lead else []) + [mark + it for mark, it in zip(marks, b.items)]
    text = "\n".join(lines)
    parts, pos = [], len(b.lead) + 1 if b.lead else 0
    for mark, it in zip(marks, b.items):
        start = pos + len(mark)  # after the bullet (or the step's number) and its space
        parts.append((start, start + len(it)))
        pos = start + len(it) + 1
    lead = f"{shared(b.lead)} " if b.lead else ""
    views = [(f"{head}: {text}", WHOLE)] + [(f"{head}: {lead}{it}", i) for i, it in enumerate(b.items)]
    return _make(doc, "list", b, text, b.span, parts, views, lead=b.lead, part_roles=(ITEM,) * len(parts))


def _faq(doc: Document, b: Block) -> Chunk:
    text = f"{b.question}\n{b.text}"
    offset = len(b.question) + 1
    parts = [(s + offset, e + offset) for s, e in split_sentences(b.text)]
    views = [(b.question, QUESTION), (f"{b.question} {b.text}", WHOLE)]
    # Each sentence of a longer answer alone too, so a short answer can be taken
    # from the sentences the question is about. They do not rank the entry
    # (search/retrieve.py): an FAQ is found by its question and its whole answer.
    if len(parts) > 1:
        views += [(text[s:e], i) for i, (s, e) in enumerate(parts)]
    return _make(
        doc,
        "faq",
        b,
        text,
        b.span,
        parts,
        views,
        question=b.question,
        answer=b.text,
        part_roles=(SENTENCE,) * len(parts),
    )


def _entry(doc: Document, b: Block) -> Chunk:
    head = heading_of(doc.title, b.trail)
    text = "\n".join((b.text, *b.context))
    parts = [(0, len(b.text))]
    # The bare line too: a heading naming several entries ("North & South")
    # must not make each of them look like the other.
    views = [(f"{head}: {b.text}", 0), (b.text, 0)]
    # And under its whole trail: a line "Northville: 555-0100" means a helpline
    # number only under "Helpline Directory › Latin America".
    if len(b.trail) > 1:
        views.append((" \u203a ".join((*b.trail, b.text)), 0))
    if b.context:
        views.append((f"{head}: " + ". ".join((b.text, *b.context)), WHOLE))
    return _make(doc, "entry", b, text, b.span, parts, views, context=b.context, part_roles=(SENTENCE,))


def _code(doc: Document, b: Block) -> Chunk:
    """A code block outside any short section: matched on its heading and its text."""
    head = heading_of(doc.title, b.trail)
    if not b.lead:
        return _make(
            doc, "passage", b, b.text, b.span, [(0, len(b.text))], [(f"{head}: {b.text}", WHOLE)], part_roles=(CODE,)
        )
    text = f"{b.lead}\n{b.text}"
    parts = [(0, len(b.lead)), (len(b.lead) + 1, len(text))]
    views = [(f"{head}: {text}", WHOLE), (f"{head}: {b.lead}", 0)]
    return _make(doc, "passage", b, text, b.span, parts, views, part_roles=(SENTENCE, CODE))


def _section(doc: Document, b: Block) -> Chunk:
    """A heading and its body: the heading alone is matched like an FAQ question
    (as a question when it is phrased as one), the body whole, and each sentence,
    lead-in, item and code block on its own."""
    lines: list[str] = []
    parts: list[tuple[int, int]] = []
    roles: list[str] = []
    groups: list[int] = []
    pos = 0

    def add_line(line: str, spans: list[tuple[int, int]], role: str, group: int) -> None:
        nonlocal pos
        for s, e in spans:
            parts.append((pos + s, pos + e))
            roles.append(role)
            groups.append(group)
        lines.append(line)
        pos += len(line) + 1

    for g, m in enumerate(b.members):
        if m.kind == "list":
            if m.lead:
                add_line(m.lead, [(0, len(m.lead))], LEAD, g)
            for mark, it in zip(item_marks(m), m.items):
                add_line(f"{mark} {it}", [(len(mark) + 1, len(mark) + 1 + len(it))], ITEM, g)
        elif m.kind == "code":
            if m.lead:
                add_line(m.lead, [(0, len(m.lead))], SENTENCE, g)
            add_line(m.text, [(0, len(m.text))], CODE, g)
        else:
            add_line(m.text, split_sentences(m.text), SENTENCE, g)
    text = "\n".join(lines)
    head = b.question
    role = QUESTION if head.rstrip().endswith("?") else HEADING
    views = [(head, role), (f"{head}: {text}", WHOLE)]
    # Each member's lead-in, found once (looked up per item, it was quadratic in the items).
    leads: dict[int, str] = {}
    for (ps, pe), r, g in zip(parts, roles, groups):
        if r == LEAD and g not in leads:
            leads[g] = shared(text[ps:pe]) + " "
    for i, (s, e) in enumerate(parts):
        lead = leads.get(groups[i], "") if roles[i] == ITEM else ""
        views.append((f"{head}: {lead}{text[s:e]}", i))
    return _make(
        doc, "section", b, text, b.span, parts, views, question=head, part_roles=tuple(roles), part_groups=tuple(groups)
    )
