"""Structure-aware parsing of a plain-text or Markdown guide into blocks.

A guide is read as a run of *units* (one line, or several soft-wrapped lines of
one paragraph), each classified by its shape alone: a heading, a bullet or
numbered item, a ``Label: value`` directory line, a question, or prose. Units
are then grouped into blocks that keep their heading trail:

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

import re
from collections import Counter
from dataclasses import dataclass, field, replace

# Patterns run on every line of a guide, so none may backtrack more than linearly
# on a long line: an optional closing "##" of a heading is stripped in code, and
# "text up to the last non-space" is written \S(?:.*\S)? (the lazy .*?\s*$ and
# .*\S after \s+ retried every split of a long run of spaces).
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+\u2022\u25aa\u25e6\u2023\u2043\u00b7\u2013])\s+(\S(?:.*\S)?)\s*$")
_NUMBERED = re.compile(r"^\s*(\d{1,2}|[A-Za-z])[.)]\s+(\S(?:.*\S)?)\s*$")
_LABEL = re.compile(r"^([A-Za-z0-9][^:]{0,60}?):\s+(\S(?:.*\S)?)\s*$")
_QA_PREFIX = re.compile(r"^(?:Q|Question)\s*[:.)]\s*(\S(?:.*\S)?)\s*$", re.I)
_A_PREFIX = re.compile(r"^(?:A|Answer)\s*[:.)]\s*", re.I)
# Enumerated headings: "Step 3: ...", "Option B: ...", "Part II - ...", "1. ...".
_ENUMERATED = re.compile(r"^(?:([A-Za-z]+)\s+(\d{1,3}|[A-Z]|[IVX]{1,4})\b|(\d{1,2})[.)]\s|([A-Z])[.)]\s)")
SECTION_MAX_CHARS = 1200  # a heading's body up to this long is one answer unit (see _sections)
_CELL_BAR = re.compile(r"(?<!\\)\|")  # a cell boundary; GFM writes a "|" inside a cell as "\|"
_QUOTE = re.compile(r"^\s{0,3}(?:>\s?)+")
_TABLE_ROW = re.compile(r"^\s{0,3}\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s{0,3}\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_MAX_DEPTH = 12  # deepest heading level plain-text enumerations can nest to
_SMALL_WORDS = frozenset("a an and the of for to in on at by with or vs via from as is".split())


@dataclass(frozen=True)
class Block:
    """One retrievable piece of a guide before chunking."""

    kind: str  # passage | list | faq | entry
    text: str
    span: tuple[int, int]
    trail: tuple[str, ...]
    lead: str = ""
    items: tuple[str, ...] = ()
    question: str = ""
    label: str = ""
    value: str = ""
    group: int = -1  # entry blocks: which directory block they belong to
    context: tuple[str, ...] = field(default=())
    members: tuple[Block, ...] = ()  # section blocks: the passages, lists and code under the heading


@dataclass
class _Unit:
    kind: str  # heading | bullet | numbered | entry | question | para | answer | code | row
    text: str
    start: int
    end: int
    level: int = 0
    label: str = ""
    value: str = ""


def parse_guide(
    text: str, *, markdown: bool = False, section_max: int = SECTION_MAX_CHARS
) -> tuple[str | None, list[Block]]:
    """Parse a guide; returns its title (first heading, if any) and its blocks."""
    units = _units(text, markdown=markdown)
    title = None
    if units and units[0].kind == "heading":
        title = units[0].text
        units = units[1:]
    return title, _blocks(units, section_max)


# --------------------------------------------------------------------- units


def _lines(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.splitlines(keepends=True):
        end = pos + len(line.rstrip("\r\n"))
        spans.append((pos, end))
        pos += len(line)
    return spans


def _title_case(s: str) -> bool:
    words = re.findall(r"[A-Za-z][\w'\u2019&-]*", s)
    content = [w for w in words if w.lower() not in _SMALL_WORDS]
    if not content:
        return False
    return sum(w[0].isupper() for w in content) >= 0.6 * len(content)


def _headingish(s: str) -> bool:
    """Short, unpunctuated, mostly letters: could be a heading in plain text."""
    if not s or len(s) > 120 or len(s.split()) > 16 or s[-1] in ".!?;,":
        return False
    if not (s[0].isupper() or _ENUMERATED.match(s)):
        return False
    letters = sum(c.isalpha() for c in s)
    return letters >= 0.5 * sum(not c.isspace() for c in s)


_SENTENCE_BREAK = re.compile(r"[a-z]{2}[.!?]\s+[A-Z]")


def _is_prose(s: str) -> bool:
    return len(s) > 140 or (s.endswith(".") and len(s.split()) >= 8) or bool(_SENTENCE_BREAK.search(s))


def _classify(line: str, start: int, end: int, markdown: bool) -> _Unit:
    s = line.strip()
    m = _MD_HEADING.match(s) if markdown else None
    if m:
        body = _strip_md(m.group(2).rstrip().rstrip("#").rstrip())  # "## Title ##" closes with hashes
        kind = "question" if body.endswith("?") else "heading"
        return _Unit(kind, body, start, end, level=len(m.group(1)))
    m = _QA_PREFIX.match(s)
    if m:
        return _Unit("question", _strip_md(m.group(1)), start, end)
    if _A_PREFIX.match(s):
        return _Unit("answer", _strip_md(_A_PREFIX.sub("", s)), start, end)
    m = _BULLET.match(line)
    if m:
        return _Unit("bullet", _strip_md(m.group(1)), start, end)
    bare = _strip_md(s)
    if bare.endswith("?") and len(bare) <= 250 and not _SENTENCE_BREAK.search(bare):
        return _Unit("question", bare, start, end)
    m = _NUMBERED.match(line)
    if m:
        return _Unit("numbered", bare, start, end)
    m = _LABEL.match(bare)
    if m and not m.group(1).lower().startswith("http") and len(m.group(1).split()) <= 8 and not _is_prose(m.group(2)):
        return _Unit("entry", bare, start, end, label=m.group(1).strip(), value=m.group(2).strip())
    return _Unit("para", bare, start, end)


_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")


def _strip_md(s: str) -> str:
    s = _BOLD.sub(lambda m: m.group(1) or m.group(2), s)
    return _unlink(s).strip()


def _unlink(s: str) -> str:
    r"""``[text](target)`` becomes ``text (target)``, in one pass.

    Same result as ``re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"\1 (\2)", s)``, but that
    pattern scans from every "[" to the next "]", which is quadratic on a line
    of many "[" and no "]"; here the next "]" and ")" are found once and reused.
    """
    out: list[str] = []
    pos = 0
    close = paren = -1  # the next "]" after the current "[", the next ")" after its "]("
    i = s.find("[")
    while i >= 0:
        if close <= i:
            close = s.find("]", i + 1)
            if close < 0:
                break  # no "]" left: no link can follow
        if close > i + 1 and s.startswith("(", close + 1):
            if paren <= close + 1:
                paren = s.find(")", close + 2)
                if paren < 0:
                    break  # no ")" left: no link can follow
            if paren > close + 2:
                out += [s[pos:i], s[i + 1 : close], " (", s[close + 2 : paren], ")"]
                pos = paren + 1
                i = s.find("[", pos)
                continue
        i = s.find("[", i + 1)
    out.append(s[pos:])
    return "".join(out)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in _CELL_BAR.split(line.strip().strip("|"))]


def _piped(line: str) -> str:
    """A row in the one form rows take: "| a | b |"."""
    return "| " + " | ".join(_cells(line)) + " |"


def _rule_after(text: str, lines: list[tuple[int, int]], i: int) -> str | None:
    """The line after line ``i`` when it is a table's rule ("|---|---|"), else None."""
    if i + 1 >= len(lines):
        return None
    rule = _QUOTE.sub("", text[slice(*lines[i + 1])])  # a table inside a quote
    return rule if _TABLE_RULE.match(rule) else None


def _opens_table(line: str, text: str, lines: list[tuple[int, int]], i: int) -> bool:
    rule = _rule_after(text, lines, i)
    return rule is not None and "|" in rule and len(_cells(rule)) == len(_cells(line))


def _units(text: str, *, markdown: bool) -> list[_Unit]:
    raw: list[_Unit | None] = []  # None marks a blank line
    lines = _lines(text)
    in_fence = False
    in_table = False  # inside a table whose rows need not start and end with "|"
    fence = _Unit("code", "", 0, 0)
    for i, (s, e) in enumerate(lines):
        line = text[s:e]
        if markdown and line.strip().startswith(("```", "~~~")):
            if not in_fence:
                fence = _Unit("code", "", s, e)
                raw.append(fence)
            elif fence.text:
                fence.end = e
            in_fence = not in_fence
            continue
        if in_fence:
            # Code is not prose: a "# comment" in it is no heading. One unit, lines kept,
            # so an answer can show the block whole with the line that introduces it.
            if line.strip():
                fence.text = f"{fence.text}\n{line.rstrip()}" if fence.text else line.rstrip()
                fence.end = e
            continue
        if not line.strip() or (markdown and _SETEXT.match(line) and raw and raw[-1] is None):
            in_table = False
            raw.append(None)
            continue
        if markdown and i + 1 < len(lines) and _SETEXT.match(text[slice(*lines[i + 1])]) and line.strip():
            raw.append(_Unit("heading", _strip_md(line), s, e, level=1 if "=" in text[slice(*lines[i + 1])] else 2))
            continue
        if markdown and _SETEXT.match(line):
            raw.append(None)
            continue
        if markdown:
            line = _QUOTE.sub("", line)  # a blockquote ("> Note") is read as its text
            if _TABLE_RULE.match(line):
                continue  # |---|---| only says the line above is a header
            if not line.strip():
                in_table = False  # the line was only a quote marker
                raw.append(None)
                continue
            # A header row (level 1: the line over a rule) starts a table of its own,
            # even right after another table.
            if _TABLE_ROW.match(line):
                head = int(_rule_after(text, lines, i) is not None)
                raw.append(_Unit("row", " ".join(line.split()), s, e, level=head))
                continue
            # GFM also allows tables without outer pipes ("Plan | Storage" over
            # "---|---"): a header row followed by a rule with as many cells,
            # then every line holding a "|" until a blank line or one without.
            if "|" in line and (in_table or _opens_table(line, text, lines, i)):
                raw.append(_Unit("row", _piped(line), s, e, level=int(not in_table)))
                in_table = True
                continue
            in_table = False
        raw.append(_classify(line, s, e, markdown))

    # Soft-wrapped prose: consecutive "para" lines with no blank between are one unit.
    # Their texts are collected and joined once: adding each line to the text so far
    # copies it every time (quadratic in the paragraph's length).
    units: list[_Unit] = []
    prev: _Unit | None = None
    wrapped: list[str] = []  # the texts of prev's lines
    for u in raw + [None]:
        if prev is not None and len(wrapped) > 1 and (u is None or u.kind != "para"):
            prev.text = " ".join(wrapped)
        if u is None:
            prev = None
            continue
        if u.kind == "code" and not u.text:
            continue  # an empty fence
        if prev is not None and u.kind == "para" and prev.kind in ("para", "answer", "bullet", "numbered"):
            wrapped.append(u.text)
            prev.end = u.end
            continue
        units.append(u)
        prev = u
        wrapped = [u.text]
    has_md_headings = markdown and any(u.kind == "heading" for u in units)
    if not has_md_headings:
        _plain_headings(units)
    return units


def _plain_headings(units: list[_Unit]) -> None:
    """Decide which plain lines are headings, and at what level."""
    # Right to left, so "Step 3: Choose" followed by "Option A: Phone" sees
    # that its successor is a heading too.
    for i in range(len(units) - 1, -1, -1):
        u = units[i]
        follows = units[i + 1].kind if i + 1 < len(units) else None
        if u.kind == "entry" and _is_heading_entry(u, follows):
            u.kind = "para"  # decided below as a heading candidate
    section_level = 1
    families: list[tuple[str, int]] = []  # active enumerator families and their levels
    current = 0
    for i, u in enumerate(units):
        nxt = units[i + 1] if i + 1 < len(units) else None
        follows = nxt.kind if nxt else None
        follows_prose = follows in ("para", "answer") and _is_prose(nxt.text)
        text = u.text
        if u.kind == "numbered" and not (
            _title_case(text) and follows in ("para", "bullet", "answer") and _headingish(text)
        ):
            continue
        if u.kind not in ("para", "numbered"):
            continue
        colon = text.endswith(":")
        candidate = text[:-1].rstrip() if colon else text
        if not _headingish(candidate) or follows is None:
            continue
        if colon and not (_title_case(candidate) and "," not in candidate):
            continue  # a lead-in sentence such as "Have the following ready:"
        if not colon and not _title_case(candidate):
            if "," in candidate or follows not in ("para", "bullet", "numbered", "entry", "heading"):
                continue
        enum = _ENUMERATED.match(candidate)
        family = None
        if enum:
            family = (enum.group(1) or "").lower() or ("number" if enum.group(3) else "letter")
        if family:
            known = [lvl for fam, lvl in families if fam == family]
            if known:
                level = known[0]
            else:
                # Capped: each new family nests one deeper, and a guide of a thousand
                # "Word 1" headings must not make a thousand-deep trail (quadratic).
                level = min(max(current, section_level) + 1, _MAX_DEPTH)
            families = [(f, lv) for f, lv in families if lv < level] + [(family, level)]
        elif colon or not (follows_prose or follows == "question"):
            level = section_level + 1
            families = [(f, lv) for f, lv in families if lv < level]
        else:
            level = section_level
            families = []
        u.kind, u.text, u.level = "heading", candidate, level
        current = level


def _is_heading_entry(u: _Unit, follows: str | None) -> bool:
    """``Step 1: Identify Your Issue Type`` is a heading, ``Hours: 9-5`` is data."""
    value = u.value
    if re.search(r"\d|@|https?://|www\.|,", value):
        return False
    return _title_case(value) and follows in ("para", "bullet", "numbered", "answer")


# -------------------------------------------------------------------- blocks


def _blocks(units: list[_Unit], section_max: int) -> list[Block]:
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
            answer = ""
            while j < len(units) and units[j].kind in ("para", "answer", "bullet", "numbered", "code"):
                v = units[j]
                piece = ("\u2022 " + v.text) if v.kind in ("bullet", "numbered") else v.text
                # Items and code keep their lines; prose runs on.
                line_break = (
                    v.kind != "para" and v.kind != "answer" or units[j - 1].kind in ("bullet", "numbered", "code")
                )
                answer = piece if not answer else f"{answer}{chr(10) if line_break else ' '}{piece}"
                j += 1
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
            items = []
            while j < len(units) and units[j].kind in ("bullet", "numbered", "code"):
                if units[j].kind == "code":
                    # A code block right after a step belongs to that step: steps keep their commands.
                    items[-1] = f"{items[-1]}\n{units[j].text}"
                    j += 1
                    continue
                m = _NUMBERED.match(units[j].text) if units[j].kind == "numbered" else None
                items.append(m.group(2) if m else units[j].text)
                j += 1
            lead = ""
            start = u.start
            if blocks and blocks[-1].kind == "passage" and blocks[-1].text.endswith(":") and last_kind == "passage":
                prev = blocks.pop()
                lead, start = prev.text, prev.span[0]
            text = (lead + "\n" if lead else "") + "\n".join("\u2022 " + it for it in items)
            blocks.append(Block("list", text, (start, units[j - 1].end), names, lead=lead, items=tuple(items)))
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
            blocks.append(Block("code", u.text, (start, u.end), names, lead=lead))
            last_kind = "code"
            i += 1
            continue
        blocks.append(Block("passage", u.text, (u.start, u.end), names))
        last_kind = "passage"
        i += 1
    return _sections(_attach_entry_context(blocks), section_max)


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
    # Each group's shared lines are found once (per entry, it was quadratic in the group's size).
    shared: dict[int, tuple[str, ...]] = {}
    for gid, members in groups.items():
        parent = members[0].trail[:-1]
        shared[gid] = tuple(m.text for m in members if len(label_groups[(parent, m.label.lower())]) >= 2)
    out = []
    for b in blocks:
        if b.kind != "entry":
            out.append(b)
            continue
        own_shared = len(label_groups[(b.trail[:-1], b.label.lower())]) >= 2
        out.append(replace(b, context=() if own_shared else shared[b.group]))
    return out
