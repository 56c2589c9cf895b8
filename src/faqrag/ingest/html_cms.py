"""Web pages as CMSs write them: structure told by looks, where the markup does not give it.

A help-centre editor rarely writes ``<h2>``: a section title is a short paragraph
in bold or in a larger font, a step list an ``<ol>`` that may start at 4 or count
down, a table a grid whose first row happens to name the columns. The walker
(``html_walk.py``) asks here:

* ``pseudo_headings``: on a page with no real sub-headings (no h2-h6), each
  one-line paragraph that is wholly bold or set larger than the text, and that
  is followed by more content, is a heading; its level comes from its looks
  (larger first, then in the order each look first appears), below the page's
  ``<h1>``. A bold line ending in ":" stays a lead-in, one ending in "?" a
  question.
* ``list_numbers``: the number each item of an ``<ol>`` shows (``start``,
  ``reversed``, ``<li value>``).
* ``header_like``: whether a table's first row names its columns although it is
  made of ``<td>`` cells: every cell bold, or (three columns or more) every
  cell a label of a few words over columns that hold longer or numeric values.

* ``label_tabs``: tab panels are all content, each led by its tab's name;
  ``contents_lists``: an "On this page" list of in-page links is navigation.

Nodes are told apart by ``mem_id`` (comparing nodes with ``==`` serialises them).
"""

from __future__ import annotations

import html
import re

from faqrag.ingest.structured import clean

MAX_HEADING_CHARS = 120
_BOLD_TAGS = frozenset(("strong", "b"))
_REAL_HEADINGS = "h2, h3, h4, h5, h6"
_FONT_SIZE = re.compile(r"font-size\s*:\s*([\d.]+)\s*(px|pt|em|rem|%)", re.I)
_FONT_WORD = re.compile(r"font-size\s*:\s*(x+-large|large|larger)", re.I)
_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(bold|[6-9]00)", re.I)
_WORD_SIZES = {"large": 18.0, "larger": 19.0, "x-large": 24.0, "xx-large": 32.0, "xxx-large": 48.0}
BODY_PX = 16.0  # a size at or under this is body text
_LABEL = re.compile(r"^[^\W\d_][^\W\d]*(?:[ &/()-]+[^\W\d]+){0,3}$")  # a few words, no digits: a column's name
_INLINE_OK = frozenset("a abbr b em font i mark small span strong sub sup u".split())


def pseudo_headings(root) -> dict[int, int]:
    """``mem_id`` of each paragraph that reads as a heading -> its level (2-6)."""
    if root.css_first(_REAL_HEADINGS) is not None:
        return {}
    found: list[tuple[int, tuple[float, bool, bool]]] = []
    for node in root.css("p, div"):
        # A <div> counts only when it holds no blocks (its text is then small to read,
        # and an outer <div> is never read whole, which would be quadratic when nested).
        if node.tag == "div" and not _inline_only(node):
            continue
        look = _heading_look(node)
        if look is not None and _followed(node):
            found.append((node.mem_id, look))
    if not found:
        return {}
    # Larger first; among equal sizes, the look that appears first is the higher level.
    first_seen: dict[tuple[float, bool, bool], int] = {}
    for i, (_, look) in enumerate(found):
        first_seen.setdefault(look, i)
    ranked = sorted(first_seen, key=lambda lk: (-lk[0], first_seen[lk]))
    level = {lk: min(2 + i, 6) for i, lk in enumerate(ranked)}
    return {mem: level[look] for mem, look in found}


def _heading_look(node) -> tuple[float, bool, bool] | None:
    """(font size, bold, italic) when ``node`` is one short line whose every word is
    bold or larger than body text, else None."""
    text = clean(node.text(deep=True) or "")
    if not text or len(text) > MAX_HEADING_CHARS or text.endswith((":", "?", ".", ",", ";")):
        return None
    looks = []  # the looks of each piece of text
    stack = [(child, *_style(node)) for child in node.iter(include_text=True)]
    while stack:
        child, size, bold, italic = stack.pop()
        if child.tag == "-text":
            if (child.text_content or "").strip():
                if not (bold or size > BODY_PX):
                    return None  # plain words beside bold ones: a sentence with a bold word
                looks.append((size, bold, italic))
            continue
        if child.tag.startswith("-"):
            continue
        if child.tag not in _INLINE_OK:
            return None  # a <br>, a list, a block: not one line
        c_size, c_bold, c_italic = _style(child)
        look = (max(size, c_size), bold or c_bold, italic or c_italic)
        stack.extend((grand, *look) for grand in child.iter(include_text=True))
    if not looks:
        return None
    size = min(lk[0] for lk in looks)
    return (size if size > BODY_PX else 0.0, all(lk[1] for lk in looks), all(lk[2] for lk in looks))


def _style(node) -> tuple[float, bool, bool]:
    style = node.attributes.get("style") or ""
    size = _px(style)
    if node.tag == "font":
        try:
            size = max(
                size, {4: 18.0, 5: 24.0, 6: 32.0, 7: 48.0}.get(int((node.attributes.get("size") or "3")[:2]), 0.0)
            )
        except ValueError:
            pass
    bold = node.tag in _BOLD_TAGS or bool(_BOLD_STYLE.search(style))
    italic = node.tag in ("em", "i") or "italic" in style.lower()
    return size, bold, italic


def _px(style: str) -> float:
    m = _FONT_SIZE.search(style)
    if m:
        value, unit = float(m.group(1)), m.group(2).lower()
        return value * {"px": 1.0, "pt": 4 / 3, "em": BODY_PX, "rem": BODY_PX, "%": BODY_PX / 100}[unit]
    m = _FONT_WORD.search(style)
    return _WORD_SIZES.get(m.group(1).lower(), 0.0) if m else 0.0


def _followed(node) -> bool:
    """Something with text comes after the paragraph, in its parent or its parent's
    parent (a heading heads something)."""
    for start in (node, node.parent):
        sib = start.next if start is not None else None
        while sib is not None:
            if _has_text(sib):
                return True
            sib = sib.next
    return False


def _has_text(node) -> bool:
    """Whether a subtree holds any text: stops at the first word, not after reading it all."""
    if node.tag == "-text":
        return bool((node.text_content or "").strip())
    if node.tag.startswith("-"):
        return False
    return any(n.tag == "-text" and (n.text_content or "").strip() for n in node.traverse(include_text=True))


def list_numbers(ol) -> dict[int, int]:
    """``mem_id`` of each ``<li>`` of an ``<ol>`` -> the number it shows."""
    items = [li for li in ol.iter() if li.tag == "li"]
    backwards = "reversed" in ol.attributes
    start = _int(ol.attributes.get("start"))
    number = start if start is not None else (len(items) if backwards else 1)
    out = {}
    for li in items:
        value = _int(li.attributes.get("value"))
        if value is not None:
            number = value
        out[li.mem_id] = number
        number += -1 if backwards else 1
    return out


def _int(value: str | None) -> int | None:
    if not value or not value.strip().lstrip("-").isdigit() or len(value.strip()) > 6:
        return None
    return int(value.strip())


def header_like(first: list, rest: list[list[str]]) -> bool:
    """Whether a table's first row of ``<td>`` cells names its columns."""
    texts = [clean(c.text(deep=True) or "") for c in first]
    if len(texts) < 2 or not rest or not all(texts):
        return False
    if all(_wholly_bold(c) for c in first):
        return True
    if len(texts) < 3:
        return False  # two columns read as "label: value" lines, which a guessed header would spoil
    if not all(_LABEL.match(t) for t in texts):
        return False
    # Some column holds what its first cell does not look like (a number, a longer value), and no
    # first cell recurs under itself (a row of labels in a table of labels is no header).
    differs = False
    for col, head in enumerate(texts):
        values = [row[col] for row in rest if col < len(row) and row[col]]
        if head in values:
            return False
        differs = differs or any(len(v) > len(head) + 10 or any(ch.isdigit() for ch in v) for v in values)
    return differs


def _wholly_bold(cell) -> bool:
    text = clean(cell.text(deep=True) or "")
    bold = "".join(clean(b.text(deep=True) or "") for b in cell.css("strong, b"))
    return bool(text) and (len(bold) >= len(text) or _style(cell)[1])


def link_bars_before(root, title) -> list:
    """The blocks before a landmark-less page's title that are all links (a
    breadcrumb, a "back to" bar): the site's, not the article's. Only blocks that
    hold no other blocks are read, so the work stays linear."""
    out = []
    for node in root.traverse():
        if node.mem_id == title.mem_id:
            break
        if node.tag not in ("p", "div", "ol", "ul") or not _inline_only(node):
            continue
        text = clean(node.text(deep=True) or "")
        links = node.css("a")
        if len(links) >= 2 and len(clean(" ".join(a.text(deep=True) or "" for a in links))) >= 0.8 * len(text):
            out.append(node)
    return out


def _inline_only(node) -> bool:
    """No block below ``node`` but list items that hold only inline content."""
    for child in node.iter():
        if child.tag == "li" and node.tag in ("ol", "ul"):
            if not all(c.tag in _INLINE_OK for c in child.iter()):
                return False
        elif child.tag not in _INLINE_OK and not child.tag.startswith("-"):
            return False
    return True


def label_tabs(root) -> None:
    """Tabs (``role="tablist"`` with its ``tabpanel``s, MkDocs Material's ``tabbed-set``):
    every panel is content, hidden or not, and starts with its tab's name as a lead-in
    ("macOS:"); the row of tab names goes. Before hidden elements are dropped."""
    from selectolax.lexbor import LexborHTMLParser

    for tablist in root.css('[role="tablist"], .tabbed-labels'):
        container = tablist.parent
        if container is None:
            continue
        labels = [n for n in tablist.css('[role="tab"], label')]
        panels = [n for n in container.css('[role="tabpanel"], .tabbed-block')]
        if not labels or len(labels) != len(panels):
            continue
        for label, panel in zip(labels, panels):
            name = clean(label.text(deep=True) or "")
            if "hidden" in panel.attributes:
                del panel.attrs["hidden"]
            if name:
                lead = LexborHTMLParser(f"<p>{html.escape(name.rstrip(':'))}:</p>").css_first("p")
                if panel.first_child is not None:
                    panel.first_child.insert_before(lead)
                else:
                    panel.insert_child(lead)
        tablist.decompose()


def contents_lists(root) -> list:
    """Tables of contents: a list (not inside another) whose every item is a link to a
    place on the same page (``href="#..."``), three or more of them."""
    out = []
    for lst in root.css("ul, ol"):
        if lst.parent is not None and lst.parent.tag == "li":
            continue
        items = [li for li in lst.iter() if li.tag == "li"]
        if len(items) < 3:
            continue
        if all(_in_page_link(li) for li in items):
            out.append(lst)
    return out


def _in_page_link(li) -> bool:
    link = li.css_first("a")
    if link is None or not (link.attributes.get("href") or "").startswith("#"):
        return False
    text = clean(li.text(deep=True) or "")
    links = clean(" ".join(a.text(deep=True) or "" for a in li.css("a")))
    return bool(text) and len(links) >= 0.9 * len(text)
