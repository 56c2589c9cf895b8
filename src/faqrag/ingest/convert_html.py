"""A saved web page to structured text: the main content, its structure, its FAQ markup.

selectolax (the lexbor HTML5 parser) reads the page as a browser would; the
rules for what is content are the page's own landmarks, so they can be
explained:

* the content root is ``<main>`` (or ``role="main"``), else the page's one
  ``<article>``, else ``<body>``;
* inside it, what a page marks as not content goes: scripts, styles, forms'
  controls, ``<nav>``/``<aside>``, the page's ``<header>``/``<footer>`` (not
  those of the content root or of an article in it), ARIA
  navigation/banner/contentinfo/dialog regions, hidden elements, and elements
  whose id or class names a cookie banner, consent box, menu, breadcrumb,
  share bar, newsletter box, feedback widget or sidebar; with no landmark to trust (root is
  ``<body>``), lists that are only links (menus) go too;
* headings h1-h6 become the heading trail, lists keep their lead-in, tables
  keep each cell's column header (``Header: value``), ``<dl>`` terms become
  ``term: definition`` lines (or FAQ pairs when the term is a question),
  ``<details>``/``<summary>`` and question headings become FAQ pairs;
* schema.org ``FAQPage`` JSON-LD pairs that the visible text does not already
  hold are added at the end;
* title (the page's ``<h1>``, else ``og:title``, else ``<title>``), canonical
  URL and date come from the page's head.
"""

from __future__ import annotations

import bisect
import codecs
import re
from pathlib import Path

from faqrag.errors import CorpusError
from faqrag.ingest.convert import Converted, Warn
from faqrag.ingest.html_cms import contents_lists, label_tabs, link_bars_before, pseudo_headings
from faqrag.ingest.html_prune import only_links, prune
from faqrag.ingest.html_walk import Walker, text_of
from faqrag.ingest.structured import clean
from faqrag.limits import loads

# The HTML5 parser slows down with the square of the nesting depth (20,000 deep
# takes a second, 100,000 a minute): deeper than this is refused before parsing.
MAX_NESTING = 5000
_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
# Void elements, and ones whose end tag may be left out: they do not nest.
_FLAT = frozenset(
    "area base br col embed hr img input link meta source track wbr p li dt dd tr td th option "
    "optgroup thead tbody tfoot colgroup caption rb rt rtc rp".split()
)
_FOREIGN = frozenset(("svg", "math"))  # inside these, "<g/>" closes itself; in HTML "<div/>" does not
_RAW_TEXT = {  # elements whose content is text, not tags, up to their end tag
    tag: re.compile(rf"</{tag}", re.I) for tag in ("script", "style", "textarea", "title", "xmp", "noembed", "noframes")
}
DROP_TAGS = (
    "script, style, noscript, template, svg, canvas, iframe, object, embed, input, select, "
    "button, textarea, nav, aside, dialog, [hidden], [aria-hidden=true], [role=navigation], "
    "[role=banner], [role=contentinfo], [role=dialog], [role=alertdialog], [role=search], "
    "[role=complementary]"
)
_BOILERPLATE = re.compile(
    r"(?:^|[-_\s])(cookies?|consent|gdpr|cc-banner|breadcrumbs?|navbar|nav|menu|megamenu|sidebar|"
    r"share|sharing|social|newsletter|subscribe|popup|modal|skip-?link|advert|ads|site-?header|"
    r"site-?footer|footer|masthead|feedback|article-votes|rating)(?:$|[-_\s])",
    re.I,
)
ARTICLE_SHARE = 0.6  # of a landmark-less page's text, the block around its title that is its article
_MAX_CLIMB = 30  # ancestors of the title looked at (each is read whole once)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def convert(raw: bytes, path: Path, warn: Warn, drop: frozenset[bytes] = frozenset()) -> Converted:
    """``drop``: fingerprints of the parts that repeat across the page's site (site.py)."""
    tree = _parse(raw, path, warn)
    faq = _json_ld_faq(tree)
    url, date, head_title = _head_meta(tree)
    root = main_content(tree, path, drop)
    walker = Walker(pseudo_headings(root))
    walker.walk(root, 0)
    walker.flush()
    w = walker.out
    if faq:
        missing = _not_shown(faq, walker.seen)
        if missing:
            w.heading(min(walker.top_level + 1, 6), "FAQ")
            for q, a in missing:
                w.paragraph(q if q.rstrip().endswith("?") else q + "?")
                w.paragraph(a)
    text = w.text()
    if not text.strip():
        raise CorpusError(f"{path}: no main content was found in the page; save the page with its text")
    return Converted(text, title=walker.h1 or head_title, url=url, date=date)


def _parse(raw: bytes, path: Path, warn: Warn):
    html = _decode(raw, path, warn)
    if _too_deep(html):
        raise CorpusError(
            f"{path}: elements are nested over {MAX_NESTING:,} deep, which no real page is; "
            "save the page again from a browser"
        )
    from selectolax.lexbor import LexborHTMLParser  # deferred: only HTML files need it

    try:
        return LexborHTMLParser(html)
    except Exception as err:  # the parser's own error text; the user needs the file name
        raise CorpusError(f"{path}: cannot be read as HTML ({err}); check the file") from None


def _landmark_root(tree, path: Path):
    """The page's content by its landmarks, what the page marks as not content taken out."""
    root = _content_root(tree)
    if root is None:
        raise CorpusError(f"{path}: the page has no body; check that it is a saved web page")
    label_tabs(root)  # before hidden elements go: a hidden tab panel is content
    _strip_boilerplate(root, trust_root=root.tag != "body")
    for toc in contents_lists(root):
        toc.decompose()
    return root


def main_content(tree, path: Path, drop: frozenset[bytes] = frozenset()):
    """The page's main content: by its landmarks, less what its site repeats
    (``drop``, site.py), and on a page without landmarks the block around its title."""
    root = _landmark_root(tree, path)
    if drop:
        from faqrag.ingest.site import drop_repeated

        drop_repeated(root, drop)
    return _around_title(root) if root.tag == "body" else root


def content_of(raw: bytes, path: Path):
    """A page's content by its landmarks (what site.py compares across pages), or
    None if it cannot be read; silent: the page's own conversion says what is wrong."""
    try:
        return _landmark_root(_parse(raw, path, lambda _msg: None), path)
    except CorpusError:
        return None


# ------------------------------------------------------------------ decoding


_BINARY_MAGIC = {
    b"%PDF": "a PDF",
    b"PK\x03\x04": "a zip archive (a .docx?)",
    b"\x89PNG": "a PNG image",
    b"GIF8": "a GIF image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\xd0\xcf\x11\xe0": "an Office 97-2003 file",
}


def _decode(raw: bytes, path: Path, warn: Warn) -> str:
    for magic, what in _BINARY_MAGIC.items():
        if raw.startswith(magic):
            raise CorpusError(f"{path}: is {what}, not a web page; give it its own extension")
    head = raw[:8192]
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise CorpusError(f"{path}: holds binary data, not a web page; check the file")
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            return raw.decode(enc, errors="replace")
    m = _META_CHARSET.search(raw[:4096])
    declared = m.group(1).decode("ascii", "replace").lower() if m else None
    if declared:
        try:
            codec = codecs.lookup(declared).name
        except LookupError:
            warn(f"{path}: declares an unknown character set '{declared}'; read as UTF-8")
            codec = None
        if codec and codec.startswith("utf-16") or codec in ("utf-32", "utf-32-le", "utf-32-be"):
            codec = None  # a meta tag readable as ASCII cannot be UTF-16 or -32 (HTML5 says: UTF-8)
        if codec:
            try:
                return raw.decode(codec)
            except UnicodeDecodeError as err:
                warn(
                    f"{path}: is not valid {declared} (byte 0x{raw[err.start]:02x} at offset {err.start}); "
                    "unreadable characters were replaced"
                )
                return raw.decode(codec, errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # Pages saved without a declaration are mostly UTF-8 or Windows-1252.
        warn(f"{path}: not UTF-8 and no character set declared; read as Windows-1252")
        return raw.decode("cp1252", errors="replace")


def _too_deep(html: str) -> bool:  # noqa: C901  # one pass over the tags, as an HTML5 tokenizer reads them
    """Whether elements nest deeper than MAX_NESTING, read as the parser will:
    a slash does not close an HTML element ("<div/>" opens one), script and
    comment text holds no tags, and a stray end tag closes nothing. Each
    character is looked at once (a pattern that scanned on from every "<" for
    its ">" was quadratic on a page ending in an unclosed tag)."""
    depth = foreign = 0
    pos, end = 0, len(html)
    while True:
        pos = html.find("<", pos)
        if pos < 0 or pos + 1 >= end:
            return False
        if html.startswith("!--", pos + 1):
            close = html.find("-->", pos + 4)
            if close < 0:
                return False  # the rest is a comment
            pos = close + 3
            continue
        closing = html[pos + 1] == "/"
        m = _TAG_NAME.match(html, pos + 1 + closing)
        if m is None:
            pos += 1  # "<" as text, or "<!DOCTYPE": no element
            continue
        gt = html.find(">", m.end())
        if gt < 0:
            return False  # no tag can end: the rest is text
        name = m.group(0).lower()
        pos = gt + 1
        if closing:
            if name in _FLAT:
                continue
            depth = max(depth - 1, 0)
            foreign = max(foreign - (name in _FOREIGN), 0)
            continue
        if name in _FLAT or ((foreign or name in _FOREIGN) and html[gt - 1] == "/"):
            continue
        if name in _RAW_TEXT:
            after = _RAW_TEXT[name].search(html, pos)
            if after is None:
                return False
            pos = after.end()  # its end tag closes nothing the count opened
            continue
        depth += 1
        foreign += name in _FOREIGN
        if depth > MAX_NESTING:
            return True


# ------------------------------------------------------------------ the head


def _attr(node, name: str) -> str | None:
    if node is None:
        return None
    value = node.attributes.get(name)
    return clean(value) if value else None


def _head_meta(tree) -> tuple[str | None, str | None, str | None]:
    url = _attr(tree.css_first('link[rel="canonical"]'), "href") or _attr(
        tree.css_first('meta[property="og:url"]'), "content"
    )
    date = None
    for sel in (
        'meta[property="article:modified_time"]',
        'meta[itemprop="dateModified"]',
        'meta[property="article:published_time"]',
        'meta[itemprop="datePublished"]',
        'meta[name="date"]',
        'meta[name="dcterms.modified"]',
    ):
        date = _attr(tree.css_first(sel), "content")
        if date:
            break
    if not date:
        date = _attr(tree.css_first("time[datetime]"), "datetime")
    title_node = tree.css_first("title")
    title = _attr(tree.css_first('meta[property="og:title"]'), "content") or (
        clean(title_node.text()) if title_node is not None else None
    )
    return (url if url and url.startswith(("http://", "https://")) else None), date, title or None


def _json_ld_faq(tree) -> list[tuple[str, str]]:
    """Question/answer pairs of schema.org FAQPage JSON-LD (answers may hold HTML)."""
    from selectolax.lexbor import LexborHTMLParser

    pairs = []
    for node in tree.css('script[type="application/ld+json"]'):
        try:
            data = loads(node.text() or "")
        except (ValueError, RecursionError):
            continue  # broken JSON-LD is common and the visible text still stands
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
                continue
            if not isinstance(item, dict):
                continue
            types = item.get("@type")
            types = types if isinstance(types, list) else [types]
            if "Question" in types:
                answer = item.get("acceptedAnswer") or item.get("suggestedAnswer")
                if isinstance(answer, list):
                    answer = answer[0] if answer else None
                q = item.get("name") or item.get("text")
                a = answer.get("text") if isinstance(answer, dict) else None
                if isinstance(q, str) and isinstance(a, str):
                    body = LexborHTMLParser(a).body
                    a_text = clean(text_of(body)) if body is not None else clean(a)
                    if clean(q) and a_text:
                        pairs.append((clean(q), a_text))
                continue
            for key in ("@graph", "mainEntity", "hasPart"):
                if key in item:
                    stack.append(item[key])
    return pairs


# Each FAQ pair looked for in all the page's text costs pairs x text; past this
# much (a fraction of a second) a pair counts as shown when one of the page's
# blocks starts with its question (found by bisection), so that a page of
# 100,000 pairs and 10 MB of text is not hours of searching.
_SEARCH_BUDGET = 200_000_000
_LEADER = re.compile(r"^(?:q(?:uestion)?\s*[:.)]|\d{1,3}[.)]|[a-z][.)])\s*")


def _not_shown(faq: list[tuple[str, str]], blocks: list[str]) -> list[tuple[str, str]]:
    """The FAQ pairs whose question the page's visible text does not already hold."""
    seen = clean(" ".join(blocks)).lower()
    asked = [clean(q).lower() for q, _ in faq]
    if len(asked) * len(seen) <= _SEARCH_BUDGET:
        return [pair for pair, q in zip(faq, asked) if q not in seen]
    starts = sorted(_LEADER.sub("", clean(b).lower()) for b in blocks)

    def shown(q: str) -> bool:
        i = bisect.bisect_left(starts, q)
        return i < len(starts) and starts[i].startswith(q)

    return [pair for pair, q in zip(faq, asked) if not shown(q)]


# --------------------------------------------------------------- main content


def _content_root(tree):
    for sel in ("main", '[role="main"]'):
        node = tree.css_first(sel)
        if node is not None and node.text(strip=True):
            return node
    articles = tree.css("article")
    if len(articles) == 1 and articles[0].text(strip=True):
        return articles[0]
    return tree.body


def _around_title(body):
    """A page without landmarks: its article is the smallest block around its one
    ``<h1>`` that holds most of the page's text (what is outside it is the site's
    banner, side column and footer), less the link bars over the title (breadcrumbs)."""
    h1s = body.css("h1")
    if len(h1s) != 1:
        return body
    total = len(clean(body.text(deep=True) or ""))
    node, article = h1s[0].parent, body
    for _ in range(_MAX_CLIMB):
        if node is None or node.tag in ("body", "html"):
            break
        if len(clean(node.text(deep=True) or "")) >= ARTICLE_SHARE * total:
            article = node
            break
        node = node.parent
    for bar in link_bars_before(article, h1s[0]):
        bar.decompose()
    return article


def _strip_boilerplate(root, *, trust_root: bool) -> None:
    # Each rule's matches are found by selector, then removed in one walk (html_prune.py).
    dropped = {n.mem_id for n in root.css(DROP_TAGS)}
    prune(root, lambda node, _inside: node.mem_id in dropped)
    if not trust_root:
        # Inside <main> or the one <article>, a header holds the page's own title;
        # under <body> it is the site's banner (as a footer is the site's).
        edges = {n.mem_id for n in root.css("header, footer")}
        prune(root, lambda node, inside: not inside and node.mem_id in edges, _CONTENT_TAGS)
    named = {n.mem_id for n in root.css("[id], [class], [style]") if _boilerplate(n)}
    prune(root, lambda node, _inside: node.mem_id in named and node.tag not in ("main", "article", "body", "html"))
    if not trust_root:
        menus = only_links(root)
        prune(root, lambda node, _inside: node.mem_id in menus)


_CONTENT_TAGS = frozenset(("article", "section", "main"))


def _boilerplate(node) -> bool:
    names = " ".join(filter(None, (node.attributes.get("id"), node.attributes.get("class"))))
    style = node.attributes.get("style") or ""
    return bool((names and _BOILERPLATE.search(names)) or _HIDDEN_STYLE.search(style))
