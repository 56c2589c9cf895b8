"""A guide's lines, each read by its shape: the first stage of parsing (parse.py).

A guide is read as a run of *units* (one line, or several soft-wrapped lines of
one paragraph), each classified by its shape alone: a heading, a bullet or
numbered item, a ``Label: value`` directory line, a question, a table row, a
code line, or prose. Plain-text headings are told from short prose lines by
what surrounds them (``_plain_headings``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from faqrag.ingest.markdown_prep import BLANK
from faqrag.limits import MAX_HEADING_CHARS

# Patterns run on every line of a guide, so none may backtrack more than linearly
# on a long line: an optional closing "##" of a heading is stripped in code, and
# "text up to the last non-space" is written \S(?:.*\S)? (the lazy .*?\s*$ and
# .*\S after \s+ retried every split of a long run of spaces).
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+\u2022\u25aa\u25e6\u2023\u2043\u00b7\u2013])\s+(\S(?:.*\S)?)\s*$")
NUMBERED = re.compile(r"^\s*(\d{1,2}|[A-Za-z])[.)]\s+(\S(?:.*\S)?)\s*$")
_LABEL = re.compile(r"^([A-Za-z0-9][^:]{0,60}?):\s+(\S(?:.*\S)?)\s*$")
_QA_PREFIX = re.compile(r"^(?:Q|Question)\s*[:.)]\s*(\S(?:.*\S)?)\s*$", re.I)
_A_PREFIX = re.compile(r"^(?:A|Answer)\s*[:.)]\s*", re.I)
# Enumerated headings: "Step 3: ...", "Option B: ...", "Part II - ...", "1. ...".
_ENUMERATED = re.compile(r"^(?:([A-Za-z]+)\s+(\d{1,3}|[A-Z]|[IVX]{1,4})\b|(\d{1,2})[.)]\s|([A-Z])[.)]\s)")
_CELL_BAR = re.compile(r"(?<!\\)\|")  # a cell boundary; GFM writes a "|" inside a cell as "\|"
_QUOTE = re.compile(r"^\s{0,3}(?:>\s?)+")
_TABLE_ROW = re.compile(r"^\s{0,3}\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s{0,3}\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_MAX_DEPTH = 12  # deepest heading level plain-text enumerations can nest to
_SMALL_WORDS = frozenset("a an and the of for to in on at by with or vs via from as is".split())


@dataclass
class Unit:
    kind: str  # heading | bullet | numbered | entry | question | para | answer | code | row
    text: str
    start: int
    end: int
    level: int = 0
    label: str = ""
    value: str = ""


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


def _classify(line: str, start: int, end: int, markdown: bool, inline: bool) -> Unit:
    s = line.strip()
    md = _strip_md if inline else str.strip  # plain text and converted pages are quoted as written
    m = _MD_HEADING.match(s) if markdown else None
    if m:
        body = md(m.group(2).rstrip().rstrip("#").rstrip())  # "## Title ##" closes with hashes
        if len(body) > MAX_HEADING_CHARS:
            return Unit("para", body, start, end)  # no heading is this long; it would head everything under it
        kind = "question" if body.endswith("?") else "heading"
        return Unit(kind, body, start, end, level=len(m.group(1)))
    m = _QA_PREFIX.match(s)
    if m:
        return Unit("question", md(m.group(1)), start, end)
    if _A_PREFIX.match(s):
        return Unit("answer", md(_A_PREFIX.sub("", s)), start, end)
    m = _BULLET.match(line)
    if m:
        return Unit("bullet", md(m.group(1)), start, end)
    bare = md(s)
    if bare.endswith("?") and len(bare) <= 250 and not _SENTENCE_BREAK.search(bare):
        return Unit("question", bare, start, end)
    m = NUMBERED.match(line)
    if m:
        return Unit("numbered", bare, start, end)
    m = _LABEL.match(bare)
    if m and not m.group(1).lower().startswith("http") and len(m.group(1).split()) <= 8 and not _is_prose(m.group(2)):
        return Unit("entry", bare, start, end, label=m.group(1).strip(), value=m.group(2).strip())
    return Unit("para", bare, start, end)


def _strip_md(s: str) -> str:
    """A Markdown line as it reads rendered: the syntax markdown_prep blanked gone
    (emphasis, escapes, tags, link brackets), links as ``text (target)``."""
    if BLANK in s:
        s = " ".join(s.replace(BLANK, "").split())
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


def read_units(text: str, *, markdown: bool, inline: bool | None = None) -> list[Unit]:  # noqa: C901  # one linear pass over lines whose state (fence, table) decides what each line is
    """``inline``: read Markdown's inline markup (emphasis, links); by default when ``markdown``."""
    inline = markdown if inline is None else inline
    raw: list[Unit | None] = []  # None marks a blank line
    lines = _lines(text)
    in_fence = False
    in_table = False  # inside a table whose rows need not start and end with "|"
    fence = Unit("code", "", 0, 0)
    # Each fenced block's lines, joined once when the lines are read: adding each
    # line to the text so far copied it every time (quadratic in the block's length).
    fences: list[tuple[Unit, list[str]]] = []
    for i, (s, e) in enumerate(lines):
        line = text[s:e]
        if markdown and line.strip().startswith(("```", "~~~")):
            if not in_fence:
                fence = Unit("code", "", s, e)
                fences.append((fence, []))
                raw.append(fence)
            elif fences[-1][1]:
                fence.end = e
            in_fence = not in_fence
            continue
        if in_fence:
            # Code is not prose: a "# comment" in it is no heading. One unit, lines kept,
            # so an answer can show the block whole with the line that introduces it.
            if line.strip():
                fences[-1][1].append(line.rstrip())
                fence.end = e
            continue
        if not line.strip() or (markdown and _SETEXT.match(line) and raw and raw[-1] is None):
            in_table = False
            raw.append(None)
            continue
        if markdown and i + 1 < len(lines) and _SETEXT.match(text[slice(*lines[i + 1])]) and line.strip():
            heading = _strip_md(line) if inline else line.strip()
            if len(heading) <= MAX_HEADING_CHARS:
                raw.append(Unit("heading", heading, s, e, level=1 if "=" in text[slice(*lines[i + 1])] else 2))
            else:
                raw.append(Unit("para", heading, s, e))  # too long to head what follows: prose
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
                raw.append(Unit("row", " ".join(line.split()), s, e, level=head))
                continue
            # GFM also allows tables without outer pipes ("Plan | Storage" over
            # "---|---"): a header row followed by a rule with as many cells,
            # then every line holding a "|" until a blank line or one without.
            if "|" in line and (in_table or _opens_table(line, text, lines, i)):
                raw.append(Unit("row", _piped(line), s, e, level=int(not in_table)))
                in_table = True
                continue
            in_table = False
        raw.append(_classify(line, s, e, markdown, inline))

    for unit, code in fences:
        unit.text = "\n".join(code)

    # Soft-wrapped prose: consecutive "para" lines with no blank between are one unit.
    # Their texts are collected and joined once: adding each line to the text so far
    # copies it every time (quadratic in the paragraph's length).
    units: list[Unit] = []
    prev: Unit | None = None
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


def _plain_headings(units: list[Unit]) -> None:  # noqa: C901  # a heading is decided by its neighbours on both sides; one right-to-left pass
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


def _is_heading_entry(u: Unit, follows: str | None) -> bool:
    """``Step 1: Identify Your Issue Type`` is a heading, ``Hours: 9-5`` is data."""
    value = u.value
    if re.search(r"\d|@|https?://|www\.|,", value):
        return False
    return _title_case(value) and follows in ("para", "bullet", "numbered", "answer")
