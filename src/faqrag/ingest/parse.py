"""Structure-aware parsing of a plain-text or Markdown guide into blocks.

A guide is read as a run of *units* (lines.py: one line, or several
soft-wrapped lines of one paragraph, each classified by its shape alone), then
grouped here into blocks that keep their heading trail:

* ``passage``: a prose paragraph;
* ``list``: bullet or step items with the lead-in sentence that introduces them;
* ``faq``: a question line and the prose that answers it;
* ``entry``: one ``Label: value`` line of a directory block, with the block's
  shared lines (labels that recur in sibling blocks, such as opening hours)
  attached as context;
* ``code``: a fenced code block, lines kept;
* ``section``: a heading with a short body of the above prose, lists and code,
  answered as one unit (see ``_sections``).

Nothing here knows about any particular guide: the rules are about shape (title
case, terminal punctuation, what follows a line), so they carry to other guides.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from textwrap import dedent  # code in a tab, an admonition or a step is indented in the file, not in the code

from faqrag.ingest.lines import NUMBERED, Unit, read_units
from faqrag.ingest.markdown_prep import prepare
from faqrag.limits import MAX_SHARED_CHARS
from faqrag.settings import ChunkSettings


@dataclass(frozen=True)
class Block:
    """One retrievable piece of a guide before chunking."""

    kind: str  # passage | list | faq | entry
    text: str
    span: tuple[int, int]
    trail: tuple[str, ...]
    lead: str = ""
    items: tuple[str, ...] = ()
    marks: tuple[str, ...] = ()  # list blocks: each item's number as shown ("3.", "b)"), "" for a bullet
    question: str = ""
    label: str = ""
    value: str = ""
    group: int = -1  # entry blocks: which directory block they belong to
    context: tuple[str, ...] = field(default=())
    members: tuple[Block, ...] = ()  # section blocks: the passages, lists and code under the heading


def parse_guide(
    text: str, *, markdown: bool = False, section_max: int = ChunkSettings.section_max_chars, structured: bool = False
) -> tuple[str | None, list[Block]]:
    """Parse a guide; returns its title (first heading, if any) and its blocks.

    ``structured``: the text a converter wrote (structured.py): Markdown's
    block structure, but none of its inline markup, so a page's text is
    quoted as written. A Markdown file is read as it renders: the syntax its
    generator adds is blanked first (markdown_prep.py), emphasis goes."""
    if markdown and not structured:
        text = prepare(text)
    units = read_units(text, markdown=markdown, inline=markdown and not structured)
    title = None
    if units and units[0].kind == "heading":
        title = units[0].text
        units = units[1:]
    return title, _blocks(units, section_max)


# -------------------------------------------------------------------- blocks


def _blocks(units: list[Unit], section_max: int) -> list[Block]:  # noqa: C901  # one pass from units to blocks, keeping the heading trail as it goes
    blocks: list[Block] = []
    trail: list[tuple[int, str]] = []
    group = -1
    last_kind = None
    i = 0
    while i < len(units):
        u = units[i]
        names = tuple(t for _, t in trail)
        if u.kind == "heading":
            trail = [(lv, t) for lv, t in trail if lv < u.level] + [(u.level, u.text)]
            last_kind = "heading"
            i += 1
            continue
        if u.kind == "question":
            if u.level:
                # A Markdown heading phrased as a question heads what follows it too
                # (sub-headings, a table): the FAQ pair itself sits under its parent.
                names = tuple(t for lv, t in trail if lv < u.level)
                trail = [(lv, t) for lv, t in trail if lv < u.level] + [(u.level, u.text)]
            j = i + 1
            pieces: list[str] = []  # joined once: adding each to the answer so far was quadratic
            while j < len(units) and units[j].kind in ("para", "answer", "bullet", "numbered", "code"):
                v = units[j]
                piece = ("\u2022 " + v.text) if v.kind == "bullet" else v.text  # a step keeps its number
                # Items and code keep their lines; prose runs on.
                line_break = (
                    v.kind != "para" and v.kind != "answer" or units[j - 1].kind in ("bullet", "numbered", "code")
                )
                if "".join(pieces[-1:]) or len(pieces) > 1:  # the answer so far is not empty
                    pieces += ["\n" if line_break else " ", piece]
                else:
                    pieces = [piece]
                j += 1
            answer = "".join(pieces)
            if answer:
                blocks.append(Block("faq", answer, (u.start, units[j - 1].end), names, question=u.text))
                i = j
                last_kind = "faq"
                continue
            # An unanswered question is just prose.
            blocks.append(Block("passage", u.text, (u.start, u.end), names))
            i += 1
            continue
        if u.kind == "row":
            # A table is a list of its rows under its header row, so each row
            # is matched and answered with the column names.
            j = i
            while j < len(units) and units[j].kind == "row" and (j == i or not units[j].level):
                j += 1
            rows = [r.text for r in units[i:j]]
            lead, items = (rows[0], rows[1:]) if len(rows) > 1 else ("", rows)
            text = (lead + "\n" if lead else "") + "\n".join("\u2022 " + it for it in items)
            blocks.append(Block("list", text, (u.start, units[j - 1].end), names, lead=lead, items=tuple(items)))
            i = j
            last_kind = "list"
            continue
        if u.kind in ("bullet", "numbered"):
            j = i
            items, marks = [], []
            while j < len(units) and units[j].kind in ("bullet", "numbered", "code"):
                if units[j].kind == "code":
                    # A code block right after a step belongs to that step: steps keep their commands.
                    items[-1] = f"{items[-1]}\n{dedent(units[j].text)}"
                    j += 1
                    continue
                m = NUMBERED.match(units[j].text) if units[j].kind == "numbered" else None
                items.append(m.group(2) if m else units[j].text)
                marks.append(units[j].text[: m.start(2)].strip() if m else "")
                j += 1
            marks = _numbered(marks)
            lead = ""
            start = u.start
            if blocks and blocks[-1].kind == "passage" and blocks[-1].text.endswith(":") and last_kind == "passage":
                prev = blocks.pop()
                lead, start = prev.text, prev.span[0]
            text = (lead + "\n" if lead else "") + "\n".join(
                f"{mk or chr(0x2022)} {it}" for mk, it in zip(marks, items)
            )
            blocks.append(
                Block("list", text, (start, units[j - 1].end), names, lead=lead, items=tuple(items), marks=tuple(marks))
            )
            i = j
            last_kind = "list"
            continue
        if u.kind == "entry":
            if last_kind != "entry":
                group += 1
            blocks.append(Block("entry", u.text, (u.start, u.end), names, label=u.label, value=u.value, group=group))
            last_kind = "entry"
            i += 1
            continue
        if u.kind == "code":
            # "Run the following command:" belongs with the command, as a lead-in with its list.
            lead, start = "", u.start
            if blocks and blocks[-1].kind == "passage" and blocks[-1].text.endswith(":") and last_kind == "passage":
                prev = blocks.pop()
                lead, start = prev.text, prev.span[0]
            blocks.append(Block("code", dedent(u.text), (start, u.end), names, lead=lead))
            last_kind = "code"
            i += 1
            continue
        blocks.append(Block("passage", u.text, (u.start, u.end), names))
        last_kind = "passage"
        i += 1
    return _sections(_attach_entry_context(blocks), section_max)


def _numbered(marks: list[str]) -> list[str]:
    """Steps written "1." each time (Markdown numbers them itself) are numbered 1, 2, 3, as they read."""
    numbers = [mk for mk in marks if mk]
    if len(numbers) > 1 and len(set(numbers)) == 1 and numbers[0][:-1].isdigit():
        first, sep = int(numbers[0][:-1]), numbers[0][-1]
        counter = iter(range(first, first + len(numbers)))
        return [f"{next(counter)}{sep}" if mk else "" for mk in marks]
    return marks


def _sections(blocks: list[Block], max_chars: int) -> list[Block]:
    """A heading with a short body of prose, lists and code is one answer unit.

    The body under a heading is what answers the heading's question or problem
    ("App crashes on startup", "Step 2: Prepare Your Information"): kept
    together, an answer can carry a sentence's antecedent, a list's lead-in or
    the line that introduces a code block, and a question can be matched to the
    heading itself. Bodies holding FAQ pairs or directory entries keep those
    finer units; long bodies stay passages.
    """
    runs: list[list[Block]] = []
    for b in blocks:
        if runs and runs[-1][0].trail == b.trail:
            runs[-1].append(b)
        else:
            runs.append([b])
    trails = Counter(r[0].trail for r in runs)
    out: list[Block] = []
    for run in runs:
        trail = run[0].trail
        size = sum(len(b.text) for b in run)
        if (
            trail
            and trails[trail] == 1
            and all(b.kind in ("passage", "list", "code") for b in run)
            and size <= max_chars
        ):
            text = "\n".join((f"{b.lead}\n" if b.kind == "code" and b.lead else "") + b.text for b in run)
            out.append(
                Block("section", text, (run[0].span[0], run[-1].span[1]), trail, question=trail[-1], members=tuple(run))
            )
        else:
            out.extend(run)
    return out


def _attach_entry_context(blocks: list[Block]) -> list[Block]:
    """Give each directory entry the shared lines of its block as context.

    A label that recurs in two or more entry groups under the same parent
    heading (``Hours``, ``Languages`` ...) describes its group as a whole, so its
    line travels with every other entry of that group.
    """
    groups: dict[int, list[Block]] = {}
    for b in blocks:
        if b.kind == "entry":
            groups.setdefault(b.group, []).append(b)
    label_groups: dict[tuple[tuple[str, ...], str], set[int]] = {}
    for gid, members in groups.items():
        parent = members[0].trail[:-1]
        for b in members:
            label_groups.setdefault((parent, b.label.lower()), set()).add(gid)
    # Each group's shared lines are found once (per entry, it was quadratic in the group's size),
    # and only as many as MAX_SHARED_CHARS hold: every other entry of the group carries them.
    shared: dict[int, tuple[str, ...]] = {}
    for gid, members in groups.items():
        parent = members[0].trail[:-1]
        shared[gid] = _first_lines(m.text for m in members if len(label_groups[(parent, m.label.lower())]) >= 2)
    out = []
    for b in blocks:
        if b.kind != "entry":
            out.append(b)
            continue
        own_shared = len(label_groups[(b.trail[:-1], b.label.lower())]) >= 2
        out.append(replace(b, context=() if own_shared else shared[b.group]))
    return out


def _first_lines(lines: Iterable[str], limit: int = MAX_SHARED_CHARS) -> tuple[str, ...]:
    """The first lines, whole, that fit in ``limit`` characters together."""
    out: list[str] = []
    size = 0
    for line in lines:
        size += len(line)
        if size > limit:
            break
        out.append(line)
    return tuple(out)
