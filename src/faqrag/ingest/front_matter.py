"""Front matter at the top of a guide: YAML between ``---`` lines, or TOML between ``+++`` lines.

Front matter is the document's own, written for its docs platform (Jekyll, Hugo,
MkDocs, Docusaurus, Zola, a help centre's tooling), so it is content, not
faqrag's configuration: the keys that name a title, a description, a date or a
canonical URL (and their common aliases) are read, every other key is left out
and only counted (the build names them in one line). A block that does not
parse as a mapping is not front matter and stays text. Only a sidecar
``.meta.json`` is strict (``metadata.py``).

The block is blanked (not cut), so every character span stays true to the
file. A description that the file holds as written becomes the document's
opening passage (``corpus.py``) unless the body already says it.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from faqrag.limits import bad_character

# A front matter block longer than this is not a page's metadata (and a YAML
# parser must not be handed megabytes); the file is read without it.
MAX_FRONT_MATTER_CHARS = 64 * 1024
_OPEN = {"---": "yaml", "+++": "toml"}
_CLOSE = {"yaml": ("---", "..."), "toml": ("+++",)}

# Key (lower case, "-" read as "_") -> the metadata it gives; the first key
# present in this order wins.
ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "page_title", "pagetitle", "meta_title", "seo_title", "linktitle"),
    "description": ("description", "summary", "excerpt", "abstract", "subtitle", "meta_description", "lead"),
    "date": (
        "date",
        "last_modified",
        "last_modified_at",
        "lastmod",
        "last_update",
        "updated",
        "updated_at",
        "modified",
        "ms.date",
        "published",
        "published_at",
        "publishdate",
        "pubdate",
    ),
    "url": ("canonical_url", "canonical", "url", "permalink", "source_url", "link", "html_url"),
    "notice": ("notice",),
}
_READ = {key: meta for meta, keys in ALIASES.items() for key in keys}


@dataclass(frozen=True)
class FrontMatter:
    meta: dict[str, str]  # title, url, date, notice: as a sidecar would give them
    description: str | None  # the page's summary, as written
    description_span: tuple[int, int] | None  # where the file holds it as written, if it does
    left_out: tuple[str, ...]  # keys read as no metadata, as the file spells them
    body: str  # the text with the block blanked: same length, same line breaks
    problem: str | None = None  # why a block that looked like front matter was read as text


NONE = FrontMatter({}, None, None, (), "")


def read_front_matter(text: str) -> FrontMatter:
    """The front matter of ``text``, or ``NONE`` (with ``body`` = ``text``)."""
    first_end = text.find("\n")
    first = text[: first_end if first_end >= 0 else len(text)].rstrip("\r").rstrip(" \t")
    kind = _OPEN.get(first)
    if kind is None or first_end < 0:
        return _plain(text)
    close = _closing_line(text, first_end + 1, _CLOSE[kind])
    if close is None:
        return _plain(text, f"no closing '{first}' line within {MAX_FRONT_MATTER_CHARS // 1024} KB of the top")
    block_start, block_end, after = first_end + 1, close[0], close[1]
    data, problem = _load(kind, text[block_start:block_end])
    if data is None:
        return _plain(text, problem)
    meta, description, left_out = _pick(data)
    span = None
    if description:
        found = text.find(description, block_start, block_end)
        span = (found, found + len(description)) if found >= 0 else None
    return FrontMatter(meta, description, span, left_out, _blank(text[:after]) + text[after:])


def _plain(text: str, problem: str | None = None) -> FrontMatter:
    return FrontMatter({}, None, None, (), text, problem)


def _closing_line(text: str, start: int, closers: tuple[str, ...]) -> tuple[int, int] | None:
    """(where the closing line starts, where the text after it starts), looked for
    within the bound only, one line at a time."""
    limit = min(len(text), start + MAX_FRONT_MATTER_CHARS)
    pos = start
    while pos <= limit:
        end = text.find("\n", pos)
        line_end = len(text) if end < 0 else end
        if text[pos:line_end].rstrip("\r").rstrip(" \t") in closers:
            return pos, (len(text) if end < 0 else end + 1)
        if end < 0:
            return None
        pos = end + 1
    return None


def _load(kind: str, source: str) -> tuple[dict | None, str | None]:
    """The block as a mapping, or None and why not (a block of text between two rules is no front matter)."""
    try:
        if kind == "yaml":
            import yaml  # deferred: only guides with front matter need it

            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            data = yaml.load(source, Loader=loader)  # noqa: S506  # a safe loader: plain data only
        else:
            try:
                import tomllib
            except ModuleNotFoundError:  # Python 3.10
                import tomli as tomllib
            data = tomllib.loads(source)
    except RecursionError:
        return None, "nested too deep"
    except Exception as err:  # the parser's own error type and text; the block stays text
        return None, f"not valid {kind.upper()} ({_first_line(err)})"
    if data is None:
        return {}, None  # an empty block (Jekyll processes a file for it)
    if not isinstance(data, dict):
        return None, None  # "---" rules around a paragraph: text, and nothing to say
    return data, None


def _first_line(err: Exception) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0][:120]


def _pick(data: dict) -> tuple[dict[str, str], str | None, tuple[str, ...]]:
    found: dict[str, tuple[int, str]] = {}  # metadata -> (rank of its key, value)
    left_out: list[str] = []
    for key, value in data.items():
        name = str(key).strip().lower().replace("-", "_")
        meta = _READ.get(name)
        text = _scalar(value)
        if meta == "url" and text and not text.startswith(("http://", "https://")):
            meta = None  # a site-relative permalink names no place a reader can open
        if meta is None or text is None:
            left_out.append(str(key))
            continue
        rank = ALIASES[meta].index(name)
        if meta not in found or rank < found[meta][0]:
            found[meta] = (rank, text)
    meta = {k: v for k, (_, v) in found.items() if k != "description"}
    description = found.get("description", (0, None))[1]
    return meta, description, tuple(left_out)


def _scalar(value: object) -> str | None:
    """A value as one line of text, or None for what cannot be one (a list, a table, an empty or odd string)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return str(value)
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if not text or len(text) > 2000 or bad_character(text):
        return None
    return text


_NOT_NEWLINE = re.compile(r"[^\n]")


def _blank(text: str) -> str:
    return _NOT_NEWLINE.sub(" ", text)
