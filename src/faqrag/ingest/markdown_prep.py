"""The syntax documentation generators add to Markdown, blanked before the line reader sees it.

MkDocs, Docusaurus, Jekyll, Hugo, GitHub and help-centre tooling write more
than CommonMark: admonitions (``!!! note``, ``:::tip``, ``> [!NOTE]``), tabs
(``=== "macOS"``, ``<TabItem label="macOS">``), ``<details>``, HTML comments
and inline HTML, reference-style links and their definitions, attribute lists
(``{#id}``, ``{: .class}``), templating tags (``{% … %}``, ``{{ … }}``),
images, icon shortcodes and definition lists. ``prepare`` returns the same
text with that syntax replaced by spaces, so every character offset (every
answer's span) stays true to the file, and the line reader (``lines.py``)
reads what a reader of the rendered page reads:

* a marker goes, its words stay: an admonition's or a ``<details>``'s title,
  a tab's label and a link's text stay in place, followed by a colon when
  they do not end in punctuation, so the code or list under them has its
  lead-in (``macOS:`` then the command);
* what renders as nothing goes whole: comments, templating tags, attribute
  lists, link definitions, images, MDX ``import`` lines, tags;
* a definition list's term and definition become one ``Term: definition``
  line (the line break and the ``:`` marker trade places), or a question and
  its answer when the term asks one.

Code (fenced blocks, inline code spans) is left exactly as written. One pass
over the lines, each pattern bounded by the next delimiter it looks for, so
the work is linear in the text.
"""

from __future__ import annotations

import re

from faqrag.ingest.markdown_inline import BLANK, blank_inline, code_spans

# What blanked syntax becomes: a character every reader of lines takes for white
# space (str.isspace, re's \s) that is no line break and that no corpus text holds
# (control characters are blanked when a file is read), so the line reader can
# drop it and read "[MkDocs]," as "MkDocs,". A space where the syntax parts words
# (a comment, a template tag, a block tag).
_FENCES = ("```", "~~~")
# Block markers: a whole line. Admonition, tab and block openers are read by
# hand (_opener): their titles are free text, which a pattern would backtrack over.
_OPENERS = ("!!!", "???", "===", ":::", "///")
_MAX_FENCE = 10  # ":::" to "::::::::::" (nested containers take one more each)
_GITHUB_ALERT = re.compile(r"^(\s*(?:>[ \t]?)+)\[![A-Za-z]+\][ \t]*$")
_TAB_ITEM = re.compile(r"^\s*<TabItem\b[^>\n]*>\s*$")
_TAB_LABEL = re.compile(r"""\blabel=(?:"([^"\n]*)"|'([^'\n]*)')""")
_TAB_VALUE = re.compile(r"""\bvalue=(?:"([^"\n]*)"|'([^'\n]*)')""")
_MDX_IMPORT = re.compile(r"^(?:import|export)\s[^\n]*?(?:\sfrom\s+['\"][^'\"\n]+['\"]|=)[^\n]*$")
_REF_DEF = re.compile(
    r"^[ \t]{0,3}\[([^\]\n^][^\]\n]*)\]:[ \t]*<?\S+>?(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^)\n]*\)))?[ \t]*$"
)
_FOOTNOTE_DEF = re.compile(r"^[ \t]{0,3}\[\^[^\]\n]+\]:[ \t]?")
_ABBREVIATION = re.compile(r"^\*\[[^\]\n]+\]:")
_SNIPPET = re.compile(r"^\s*-{1,2}8<-{1,2}")
_DEFINITION = re.compile(r"^:[ \t]+[^ \t]")  # a blanked shortcode is a definition too
_CONTENTS_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,2}[.)])[ \t]+\[[^\[\]\n]+\]\(#[^()\s]*\)[ \t]*$")
_SUMMARY_LINE = re.compile(r"^\s*(?:<details\b[^>\n]*>\s*)?<summary\b[^>\n]*>([^<\n]*)</summary>\s*(?:</details>\s*)?$")
_HTML_HEADING_LINE = re.compile(r"^\s*<h[1-6]\b[^>\n]*>([^<\n]*)</h[1-6]>\s*$")
_END_PUNCTUATION = tuple(".:;!?,")
_DELIMITED = (("<!--", "-->"), ("{%", "%}"), ("{{", "}}"), ("{/*", "*/}"))


def prepare(text: str) -> str:
    """``text`` with generator syntax blanked: the same length, every offset unchanged."""
    lines = text.split("\n")
    refs = _reference_labels(lines)
    out: list[list[str] | str] = []
    fence = False
    in_delimited: str | None = None  # the closing delimiter of a comment or tag left open on an earlier line
    # Whether a later line closes a comment: one that never closes hides nothing
    # (an unclosed "<!--" would otherwise take the rest of the guide with it).
    closed_later = [False] * len(lines)
    for i in range(len(lines) - 2, -1, -1):
        closed_later[i] = closed_later[i + 1] or "-->" in lines[i + 1]
    toc = _contents_lines(lines)
    for i, line in enumerate(lines):
        if not in_delimited and line.strip().startswith(_FENCES):
            fence = not fence
            out.append(line)
            continue
        if fence:
            out.append(line)
            continue
        if i in toc:  # an "On this page" list of links to the page's own headings
            out.append([BLANK] * len(line))
            continue
        chars = list(line)
        in_delimited = _blank_delimited(chars, in_delimited, closed_later[i])
        _line_markers(chars)
        blank_inline(chars, refs)
        out.append(chars)
    seps = ["\n"] * (len(out) - 1) + [""]
    _definitions(out, seps)
    return "".join((x if isinstance(x, str) else "".join(x)) + sep for x, sep in zip(out, seps))


def _contents_lines(lines: list[str]) -> set[int]:
    """Lines of a table of contents: two or more list items in a row, each only a
    link to a heading of the page (``- [Billing](#billing)``)."""
    hits = [bool(_CONTENTS_ITEM.match(line)) if "](#" in line else False for line in lines]
    return {i for i, hit in enumerate(hits) if hit and ((i > 0 and hits[i - 1]) or (i + 1 < len(hits) and hits[i + 1]))}


def _reference_labels(lines: list[str]) -> frozenset[str]:
    """The labels of reference-style link definitions (``[label]: url``), case folded."""
    labels = set()
    fence = False
    for line in lines:
        if line.strip().startswith(_FENCES):
            fence = not fence
        elif not fence and "]:" in line:
            m = _REF_DEF.match(line)
            if m:
                labels.add(" ".join(m.group(1).split()).casefold())
    return frozenset(labels)


def _blank(chars: list[str], start: int, end: int, fill: str = BLANK) -> None:
    for i in range(start, end):
        chars[i] = fill


def _apart(chars: list[str], start: int, end: int) -> None:
    """Blank what parts words (a comment, a template tag): one space stays."""
    _blank(chars, start, end)
    if start < end:
        chars[start] = " "


def _keep_title(chars: list[str], start: int, end: int) -> None:
    """Everything but ``chars[start:end]`` goes; a title that does not end in
    punctuation gets a colon after it (there is always room: its marker went)."""
    title_end = end
    while title_end > start and chars[title_end - 1].isspace():
        title_end -= 1
    title = "".join(chars[start:title_end])
    _blank(chars, 0, start)
    _blank(chars, title_end, len(chars))
    if not title or title.endswith(_END_PUNCTUATION):
        return
    if title_end == len(chars):  # the title ends the line: it moves one place left, into its marker's room
        chars[start - 1 : title_end - 1] = chars[start:title_end]
        title_end -= 1
    chars[title_end] = ":"


def _blank_delimited(chars: list[str], open_until: str | None, may_run_on: bool) -> str | None:
    """Comments and templating tags, which may run over lines (code spans keep
    theirs); returns the delimiter still awaited at the end of the line."""
    line = "".join(chars)
    pos = 0
    if open_until:
        end = line.find(open_until)
        if end < 0:
            _blank(chars, 0, len(chars))
            return open_until
        _apart(chars, 0, end + len(open_until))
        pos = end + len(open_until)
    spans = [sp for sp in code_spans(line) if sp[1] > pos] if "`" in line else []
    k = 0  # the first code span not yet passed
    # The next place of each opening delimiter, found again only once passed (each
    # find runs ahead once, not once per tag: linear).
    nxt = {start: line.find(start, pos) for start, _ in _DELIMITED}
    while True:
        for start in nxt:
            if 0 <= nxt[start] < pos:
                nxt[start] = line.find(start, pos)
        found = [(at, start) for start, at in nxt.items() if at >= 0]
        if not found:
            return None
        start_at, start = min(found)
        stop = dict(_DELIMITED)[start]
        while k < len(spans) and spans[k][1] <= start_at:
            k += 1
        if k < len(spans) and spans[k][0] <= start_at:
            pos = spans[k][1]  # inside inline code: as written
            continue
        end = line.find(stop, start_at + len(start))
        if end < 0:
            if start == "<!--" and may_run_on:  # only a comment runs on; a lone "{{" in prose is text
                _apart(chars, start_at, len(chars))
                return stop
            nxt[start] = -1  # no closing one on this line: none of these can close
            pos = start_at + len(start)
            continue
        _apart(chars, start_at, end + len(stop))
        pos = end + len(stop)


def _line_markers(chars: list[str]) -> None:  # noqa: C901  # one test per kind of marker line, each a few lines
    line = "".join(chars)
    stripped = line.strip()
    if not stripped:
        return
    if _MDX_IMPORT.match(line) or _ABBREVIATION.match(line) or _SNIPPET.match(line) or _REF_DEF.match(line):
        _blank(chars, 0, len(chars))
        return
    m = _FOOTNOTE_DEF.match(line)
    if m:
        _blank(chars, 0, m.end())
        return
    m = _GITHUB_ALERT.match(line)
    if m:
        _blank(chars, m.end(1), len(chars))
        return
    if stripped.startswith(_OPENERS):
        title = _opener(line)
        if title is not None:
            if title[0] < title[1]:
                _keep_title(chars, *title)
            else:
                _blank(chars, 0, len(chars))
            return
    if stripped.startswith("<TabItem") and _TAB_ITEM.match(line):
        label = _TAB_LABEL.search(line) or _TAB_VALUE.search(line)
        if label:
            g = 1 if label.group(1) is not None else 2
            _keep_title(chars, label.start(g), label.end(g))
        else:
            _blank(chars, 0, len(chars))
        return
    for pattern in (_SUMMARY_LINE, _HTML_HEADING_LINE):
        m = pattern.match(line) if stripped.startswith("<") else None
        if m and m.group(1).strip():
            _keep_title(chars, m.start(1), m.end(1))
            return


def _opener(line: str) -> tuple[int, int] | None:
    """Where the title of an admonition, tab or block opener is ((0, 0): none),
    or None if the line is no opener."""
    body = line.lstrip()
    if body[:3] in ("!!!", "???", "==="):
        return _admonition_or_tab(line, body[:3], body[3:])
    if body[:3] in (":::", "///"):
        return _fenced_block(line, len(line) - len(body), body[0])
    return None


def _admonition_or_tab(line: str, marker: str, rest: str) -> tuple[int, int] | None:
    """``!!! note "Title"``, ``??? question``, ``???+ tip``, ``=== "Tab"``."""
    rest = rest[1:] if rest.startswith("+") else rest
    if not rest[:1].isspace():
        return None
    words = rest.strip()
    quoted = len(words) >= 2 and words.endswith('"') and '"' in words[:-1]
    if marker == "===" and not (quoted and words.startswith('"')):
        return None
    if quoted:
        open_at, close_at = line.index('"'), line.rindex('"')
        return (open_at + 1, close_at) if close_at > open_at else None
    if not words or '"' in words or not all(w.replace("-", "").replace("_", "").isalnum() for w in words.split()):
        return None
    return (0, 0)


def _fenced_block(line: str, lead: int, fill: str) -> tuple[int, int] | None:
    """``:::tip Title``, ``:::note[Title]``, ``:::``, ``/// note | Title``, ``///``."""
    i = lead
    while i < len(line) and line[i] == fill:
        i += 1
    if i - lead > _MAX_FENCE:
        return None  # a rule of punctuation, not a block's fence
    if not line[i:].strip():
        return (0, 0)
    if fill == "/":
        bar = line.find("|", i)
        if bar < 0:
            return (0, 0) if all(c.isalnum() or c in "-_ \t" for c in line[i:]) else None
        return _title_at(line, bar + 1)
    word_end = i
    while word_end < len(line) and (line[word_end].isalnum() or line[word_end] in "-_"):
        word_end += 1
    after = line[word_end:].rstrip()
    if after.startswith("[") and after.endswith("]"):
        return word_end + 1, word_end + len(after) - 1
    if word_end == i or (after and not after[0].isspace()):
        return None
    return _title_at(line, word_end)


def _title_at(line: str, start: int) -> tuple[int, int]:
    title = line[start:].strip()
    if not title:
        return (0, 0)
    at = line.index(title, start)
    return at, at + len(title)


def _definitions(out: list[list[str] | str], seps: list[str]) -> None:
    """``Term`` over ``: definition`` becomes ``Term:  definition`` on one line
    (the line break after the term becomes the colon, the marker a space); a
    term that asks a question keeps its line (question, then answer), and the
    marker goes."""
    defined: set[int] = set()  # definition lines seen: a second definition of a term follows one
    for i in range(1, len(out)):
        line = out[i]
        if isinstance(line, str) or not line or line[0] != ":" or not _DEFINITION.match("".join(line)):
            continue
        j = i - 1
        if j > 0 and isinstance(out[j], list) and not "".join(out[j]).strip():
            j -= 1  # one blank line may stand between a term and its definition
        if j in defined:
            line[0] = BLANK  # the term's next definition: its marker goes, its text follows the first
            defined.add(i)
            continue
        term = out[j]
        if not isinstance(term, list) or not _is_term("".join(term)) or seps[j] == "":
            continue
        line[0] = BLANK
        defined.add(i)
        if "".join(term).rstrip().endswith("?"):
            continue
        end = len(term)
        while end > 0 and term[end - 1].isspace():
            end -= 1
        if end < len(term):  # trailing spaces (or the "\r" of a CRLF line) take the colon
            term[end] = ":"
            _blank(term, end + 1, len(term))
            seps[j] = " "
        else:
            seps[j] = ":"
        for k in range(j + 1, i):
            _blank(out[k], 0, len(out[k]))
            seps[k] = " "


def _is_term(line: str) -> bool:
    s = line.strip()
    return (
        bool(s)
        and len(s) <= 200
        and not s.startswith(("#", "-", "*", "+", ">", "|", ":", "```", "~~~"))
        and not s[0].isdigit()
    )
