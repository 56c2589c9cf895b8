"""A whole saved help centre: what repeats across a site's pages belongs to the site, not to a page.

A folder of pages saved from one site (``wget -r``, a browser's "save page",
an export) carries the site's navigation, banners, side columns, "Was this
helpful?" boxes and footers on every page, often with no landmark or class name
that says so. They are found by their repetition:

* a *site* is the pages under the topmost folder holding an ``index.html``
  (a mirror's root), else the pages of one folder;
* every element of a page's main content (as ``convert_html`` reads it) gets a
  fingerprint of its tag and text, children first, so each is hashed once;
* an element of 20 or more characters found on at least 3 pages of its site,
  and on at least half of them, is the site's: it is dropped from every page,
  outermost first, unless that would leave a page with no text (a page saved
  twice is still a page).

Each page keeps its own title, which heads its blocks' trails as a guide's top
heading would (a page of a help centre is one of its sections), and its own
URL (a page without a canonical URL, saved
in a folder named for its host as ``wget`` does, gets one from its path);
stylesheets, scripts and images are never corpus files, and a browser's
``page_files/`` folder beside ``page.html`` is skipped (``corpus.py``).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

HTML_SUFFIXES = (".html", ".htm")
MIN_PAGES = 3  # an element must repeat on this many pages of its site
MIN_SHARE = 0.5  # and on this share of them
MIN_CHARS = 20  # shorter elements (a word, a date) repeat by chance
_NOT_FINGERPRINTED = frozenset("h1 h2 h3 h4 h5 h6 body html head title".split())
# Dotted labels ending in a top-level domain's shape: letters (``com``) or an IDN's ``xn--`` form.
_HOST = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
# Last words of folder names that no top-level domain is (IANA's list, 2026): a copy, a library's name.
_NOT_TLD = frozenset("old bak orig backup tmp temp copy prev js".split())


def site_of(rel: str, has_index: Callable[[str], bool]) -> str:
    """The site a page belongs to: its topmost ancestor folder (relative to the
    corpus, "" for the corpus itself) that holds an index page, else its own folder."""
    parts = PurePosixPath(rel).parts[:-1]
    for depth in range(len(parts) + 1):
        folder = "/".join(parts[:depth])
        if has_index(folder):
            return folder
    return "/".join(parts)


def fingerprints(root) -> dict[int, tuple[bytes, int]]:
    """Each element's ``mem_id`` -> (fingerprint of its tag and text, its characters of text).

    Children before parents on an explicit stack (no recursion, however deep the
    page): a parent hashes its children's fingerprints, not their text again, so
    the work is linear in the page."""
    out: dict[int, tuple[bytes, int]] = {}
    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if not done:
            stack.append((node, True))
            stack.extend((c, False) for c in node.iter() if not c.tag.startswith("-"))
            continue
        h = hashlib.blake2b(node.tag.encode(), digest_size=16)
        chars = 0
        for child in node.iter(include_text=True):
            if child.tag == "-text":
                text = " ".join((child.text_content or "").split())
                if text:
                    h.update(b"\x00" + text.encode("utf-8", "replace"))
                    chars += len(text)
            elif child.mem_id in out:
                digest, n = out[child.mem_id]
                h.update(b"\x01" + digest)
                chars += n
        out[node.mem_id] = (h.digest(), chars)
    return out


def page_parts(root) -> set[bytes]:
    """The fingerprints of a page's elements that could be the site's (long enough, not headings)."""
    marks = fingerprints(root)
    return {
        digest
        for node in root.traverse()
        if node.tag not in _NOT_FINGERPRINTED and node.mem_id in marks
        for digest, chars in (marks[node.mem_id],)
        if chars >= MIN_CHARS
    }


@dataclass(frozen=True)
class SitePage:
    """What a page's site says about it: the parts to drop, and that the page is one of many."""

    drop: frozenset[bytes] = frozenset()  # fingerprints of what its site repeats
    of_site: bool = False  # one of MIN_PAGES or more pages of a site: its title heads its trail


def site_pages(
    pages: dict[str, bytes], corpus_dir: Path, content_of: Callable[[bytes, Path], object]
) -> dict[str, SitePage]:
    """Per page of a site (path relative to the corpus), what its site says about it;
    ``content_of`` reads a page's main content as its converter does (``convert_html``)."""
    folders_with_index = {
        str(PurePosixPath(rel).parent) if "/" in rel else "" for rel in pages if PurePosixPath(rel).stem == "index"
    }
    site = {rel: site_of(rel, folders_with_index.__contains__) for rel in pages}
    sizes = Counter(site.values())
    counts: dict[str, Counter[bytes]] = {}
    for rel, raw in pages.items():
        if sizes[site[rel]] < MIN_PAGES:
            continue
        root = content_of(raw, corpus_dir / rel)
        if root is not None:
            counts.setdefault(site[rel], Counter()).update(page_parts(root))
    shared = {
        key: frozenset(d for d, n in c.items() if n >= max(MIN_PAGES, math.ceil(MIN_SHARE * sizes[key])))
        for key, c in counts.items()
    }
    return {
        rel: SitePage(shared.get(site[rel], frozenset()), of_site=True)
        for rel in pages
        if sizes[site[rel]] >= MIN_PAGES
    }


def drop_repeated(root, shared: frozenset[bytes]) -> int:
    """Take the site's parts out of a page's main content, outermost first; returns how many."""
    marks = fingerprints(root)
    total = marks[root.mem_id][1]
    found, dropped_chars = [], 0
    stack = [c for c in root.iter() if not c.tag.startswith("-")]
    while stack:
        node = stack.pop()
        digest, chars = marks.get(node.mem_id, (b"", 0))
        if node.tag not in _NOT_FINGERPRINTED and chars >= MIN_CHARS and digest in shared:
            found.append(node)
            dropped_chars += chars
            continue  # its insides go with it
        stack.extend(c for c in node.iter() if not c.tag.startswith("-"))
    if not found or total - dropped_chars < MIN_CHARS:
        return 0
    for node in found:
        node.decompose()
    return len(found)


def mirror_url(rel: str) -> str | None:
    """A page saved under a folder named for its host (``docs.example.com/faq/index.html``, as
    ``wget -r`` leaves it) was at ``https://docs.example.com/faq/``."""
    parts = PurePosixPath(rel).parts
    if len(parts) < 2 or not _is_host(parts[0].lower()):
        return None
    path = "/".join(parts[1:])
    if PurePosixPath(path).name in ("index.html", "index.htm"):
        path = path[: -len(PurePosixPath(path).name)]
    return f"https://{parts[0].lower()}/{path}"


def _is_host(name: str) -> bool:
    """Whether a folder's name reads as a host's; a version (``v2.0``, ``1.2.3``) or a
    copy (``docs.old``) is dotted too, and would make up a URL such as ``https://v2.0/``."""
    return bool(_HOST.match(name)) and name.rpartition(".")[2] not in _NOT_TLD


def browser_assets(folder: Path, name: str, siblings: set[str]) -> bool:
    """A browser's "save page, complete" folder (``page_files`` beside ``page.html``): the page's
    scripts, styles, images and ad frames, never the help content."""
    if not name.endswith("_files"):
        return False
    stem = name[: -len("_files")]
    return any(f"{stem}{suffix}" in siblings for suffix in HTML_SUFFIXES)


def under_title(blocks: list, title: str) -> list:
    """A site's page is one of its sections: its title heads every block's trail (and a
    section's members'), as the top heading of a one-page guide would."""

    def head(b):
        return replace(b, trail=(title, *b.trail), members=tuple(head(m) for m in b.members))

    return [head(b) for b in blocks]
