"""Reading the corpus folder: guides, FAQ files and their metadata.

Supported files: ``.txt`` and ``.md``/``.markdown`` guides; ``.html``/``.htm``,
``.pdf`` and ``.docx`` documents, which a converter (``convert.py``) turns
into a Markdown guide first; and ``.csv`` or
``.jsonl`` FAQ files with ``question`` and ``answer`` fields (an optional
``category`` becomes the heading trail; other fields, as public FAQ exports
carry, are left out, and so are rows without a question or an answer, each
reported through ``warn``). A document's title, source URL and
notice come from a sidecar ``<file>.meta.json`` or from front matter at the top
of a guide (``---`` / ``title: ...`` / ``---``). Every problem is a
``CorpusError`` naming the file, the line where there is one, and the fix;
what is only left out is a warning.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from faqrag.errors import CorpusError
from faqrag.files import inside
from faqrag.ingest import alternates
from faqrag.ingest.alternates import Alternate
from faqrag.ingest.conflicts import warn_conflicting_faqs
from faqrag.ingest.convert import CONVERTERS, convert_file, mark_pages
from faqrag.ingest.faq_files import faq_blocks
from faqrag.ingest.front_matter import read_front_matter
from faqrag.ingest.metadata import META_SUFFIX, read_sidecar, sidecar_path
from faqrag.ingest.parse import Block, parse_guide
from faqrag.ingest.reading import Reader, read_bytes
from faqrag.ingest.site import HTML_SUFFIXES, MIN_PAGES, SitePage, browser_assets, mirror_url, site_pages, under_title
from faqrag.limits import (
    CONTROL,
    MAX_CORPUS_BYTES,
    MAX_CORPUS_FILES,
    MAX_LISTED_ENTRIES,
    line_at,
    mib,
)
from faqrag.records import Document
from faqrag.settings import ChunkSettings
from faqrag.text import normalize

GUIDE_SUFFIXES = {".txt": False, ".md": True, ".markdown": True}  # value: is Markdown
FAQ_SUFFIXES = (".csv", ".jsonl")
ALTERNATES = alternates.FILE  # links to answers, not a corpus document

Warn = Callable[[str], None]


def _ignore(_msg: str) -> None:
    pass


def corpus_files(corpus_dir: Path, warn: Warn = _ignore) -> list[Path]:  # noqa: C901  # one walk that applies every corpus cap and the inside-the-folder rule as it goes
    """The supported files of a corpus folder, in a stable order.

    Links are followed only while they stay inside the folder: a link to
    /etc/passwd or to a folder elsewhere is left out (and ``warn`` hears of
    it), so nothing outside the corpus is ever indexed and shown. Listing stops
    at the corpus caps (limits.py) instead of walking whatever tree a path
    names.
    """
    if corpus_dir.exists() and not corpus_dir.is_dir():
        raise CorpusError(f"corpus path {corpus_dir} is a file, not a folder; pass --corpus the folder that holds it")
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder {corpus_dir} does not exist; create it or pass --corpus DIR")
    root = corpus_dir.resolve()
    files: list[Path] = []
    folders, seen, listed = [corpus_dir], {root}, 0
    while folders:
        folder = folders.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as err:
            raise CorpusError(f"{folder}: cannot be listed ({err.strerror}); check its permissions") from None
        listed += len(entries)
        names = {e.name for e in entries}
        if listed > MAX_LISTED_ENTRIES:
            raise CorpusError(
                f"corpus folder {corpus_dir} holds over {MAX_LISTED_ENTRIES:,} files and folders; "
                "pass --corpus a folder holding only the guides and FAQ files"
            )
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith(".") or entry.name.endswith(META_SUFFIX):
                continue
            if folder == corpus_dir and entry.name == ALTERNATES:  # links to answers, read by the build (alternates.py)
                continue
            if any(unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") for ch in entry.name):
                # A line break or undecodable byte in a name would break every
                # message that names the file, and the index's UTF-8 files.
                warn(
                    f"{str(path)!r}: left out, its name holds a line break, control character or invalid byte; rename it"
                )
                continue
            if entry.is_symlink() and not inside(path, root):
                warn(f"{path}: left out, it links outside the corpus folder; copy the file in to index it")
                continue
            try:
                is_dir = entry.is_dir()
                is_file = not is_dir and entry.is_file()
            except OSError:
                continue  # vanished or unreadable link; nothing to index
            if is_dir and browser_assets(folder, entry.name, names):
                continue  # a saved page's scripts, styles and frames: assets, skipped without a word
            if is_dir:
                real = path.resolve()
                if real not in seen:  # a link back up the tree would loop
                    seen.add(real)
                    folders.append(path)
            elif is_file and (
                path.suffix.lower() in GUIDE_SUFFIXES
                or path.suffix.lower() in FAQ_SUFFIXES
                or path.suffix.lower() in CONVERTERS
            ):
                files.append(path)
    if not files:
        raise CorpusError(
            f"corpus folder {corpus_dir} has no .txt, .md, .html, .pdf, .docx, .csv or .jsonl files; "
            "add a guide or an FAQ file"
        )
    if len(files) > MAX_CORPUS_FILES:
        raise CorpusError(
            f"corpus folder {corpus_dir} has {len(files):,} guides and FAQ files, over the limit of "
            f"{MAX_CORPUS_FILES:,}; merge them or index the folders separately"
        )
    total = sum(f.stat().st_size for p in files for f in (p, sidecar_path(p, root)) if f)
    if total > MAX_CORPUS_BYTES:
        raise CorpusError(
            f"corpus folder {corpus_dir} holds {mib(total)} of files, over the limit of {mib(MAX_CORPUS_BYTES)}; "
            "split it into smaller corpora"
        )
    return sorted(files)


def file_hashes(corpus_dir: Path) -> dict[str, str]:
    """sha256 of each corpus file and sidecar, keyed by path relative to the folder."""
    out = {}
    root = corpus_dir.resolve()
    for p in corpus_files(corpus_dir):
        for f in (p, sidecar_path(p, root)):
            if f:
                out[f.relative_to(corpus_dir).as_posix()] = hashlib.sha256(read_bytes(f)).hexdigest()
    links = corpus_dir / ALTERNATES
    if links.is_file() and inside(links, root):  # a new link to an answer makes the index stale too
        out[ALTERNATES] = hashlib.sha256(read_bytes(links)).hexdigest()
    return dict(sorted(out.items()))


@dataclass(frozen=True)
class Corpus:
    """A corpus folder read and parsed, every file once."""

    loaded: list[tuple[Document, list[Block]]]  # each document with its blocks
    alternates: list[Alternate]  # linked phrasings (alternates.py)
    hashes: dict[str, str]  # sha256 of every file read, by path relative to the folder
    left_out_keys: dict[str, int]  # front matter keys read as no metadata -> how many files had them

    def left_out_line(self) -> str | None:
        """One line naming the front matter keys that were left out, for the build's log."""
        if not self.left_out_keys:
            return None
        keys = sorted(self.left_out_keys, key=lambda k: (-self.left_out_keys[k], k.lower()))
        named = ", ".join(f"{k} ({self.left_out_keys[k]})" if self.left_out_keys[k] > 1 else k for k in keys[:20])
        more = f" and {len(keys) - 20} more" if len(keys) > 20 else ""
        return (
            f"front matter keys left out (read: title, description, date, url and their aliases; "
            f"files in brackets): {named}{more}"
        )


def read_corpus(
    corpus_dir: Path, warn: Warn = _ignore, *, section_max: int = ChunkSettings.section_max_chars
) -> Corpus:
    """Read and parse every corpus file; what is left out of one is told to ``warn``."""
    read = Reader(corpus_dir)
    root = corpus_dir.resolve()
    files = corpus_files(corpus_dir, warn)
    keys: Counter[str] = Counter()
    read_once, sites = _site_pages(files, corpus_dir, read)
    loaded, size, unreadable = [], 0, []
    for p in files:
        site = sites.get(p.relative_to(corpus_dir).as_posix())
        try:
            d = load_file(p, corpus_dir, warn, read=read_once, section_max=section_max, left_out=keys, site=site)
        except CorpusError as err:  # every file that cannot be read is named in one run, not one per run
            unreadable.append(str(err))
            continue
        if d:
            loaded.append(d)
            size += len(d[0].text)  # converted files hold more text than their bytes
            if size > MAX_CORPUS_BYTES:
                raise CorpusError(
                    f"corpus folder {corpus_dir} holds over {mib(MAX_CORPUS_BYTES)} of text (PDF and Word files "
                    "expand); split it into smaller corpora"
                )
    if unreadable:
        raise CorpusError(_unreadable_line(unreadable))
    for p in files:  # a document with no text to index still has its sidecar hashed, as staleness sees it
        side = sidecar_path(p, root)
        if side and side.relative_to(corpus_dir).as_posix() not in read.hashes:
            read(side)
    warn_conflicting_faqs(loaded, corpus_dir, warn)
    return Corpus(
        loaded, alternates.read(corpus_dir, read=read, warn=warn), dict(sorted(read.hashes.items())), dict(keys)
    )


def _unreadable_line(problems: list[str], shown: int = 5) -> str:
    if len(problems) == 1:
        return problems[0]
    more = f"; and {len(problems) - shown} more" if len(problems) > shown else ""
    return f"{len(problems)} corpus files cannot be read: " + "; ".join(problems[:shown]) + more


def _site_pages(
    files: list[Path], corpus_dir: Path, read: Callable[[Path], bytes]
) -> tuple[Callable[[Path], bytes], dict[str, SitePage]]:
    """What each saved page's site says about it (site.py), and a reader that
    hands out the pages already read for that, so each file is still read once."""
    pages = [p for p in files if p.suffix.lower() in HTML_SUFFIXES]
    if len(pages) < MIN_PAGES:
        return read, {}
    from faqrag.ingest.convert_html import content_of  # deferred: selectolax, only for sites of pages

    raws = {p: read(p) for p in pages}
    sites = site_pages({p.relative_to(corpus_dir).as_posix(): r for p, r in raws.items()}, corpus_dir, content_of)

    def read_once(path: Path) -> bytes:
        return raws.pop(path) if path in raws else read(path)

    return read_once, sites


def load_corpus(corpus_dir: Path, warn: Warn = _ignore) -> list[tuple[Document, list[Block]]]:
    """Every corpus document with its blocks (``read_corpus`` without the rest)."""
    return read_corpus(corpus_dir, warn).loaded


def load_file(
    path: Path,
    corpus_dir: Path,
    warn: Warn = _ignore,
    *,
    read: Callable[[Path], bytes] = read_bytes,
    section_max: int = ChunkSettings.section_max_chars,
    left_out: Counter[str] | None = None,
    site: SitePage | None = None,
) -> tuple[Document, list[Block]] | None:
    """One file's document and blocks; None for a document with no text to index (after a warning).
    ``left_out`` counts the front matter keys read as no metadata; ``site``: what a saved
    page's site says about it (site.py)."""
    rel = path.relative_to(corpus_dir).as_posix()
    raw = read(path)
    if path.suffix.lower() in CONVERTERS:
        return _load_converted(path, raw, warn, corpus_dir, read, section_max, site or SitePage())
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise CorpusError(
            f"{path}, line {line_at(raw, nul)}: holds NUL bytes (first at offset {nul}), so it is not a text file; "
            "remove it from the corpus or save it as UTF-8 text"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise CorpusError(
            f"{path}, line {line_at(raw, err.start)}: not UTF-8 text (byte 0x{raw[err.start]:02x} at offset "
            f"{err.start}); save it as UTF-8"
        ) from None
    if not text.strip():
        raise CorpusError(f"{path}: the file is empty; add content or remove it from the corpus")
    text = _blank_controls(text, path, warn)
    meta = read_sidecar(path, corpus_dir.resolve(), warn, read)
    suffix = path.suffix.lower()
    if suffix in GUIDE_SUFFIXES:
        parsed_title, blocks = _guide(text, path, meta, warn, section_max, left_out)
        kind = "guide"
    else:
        parsed_title = None
        blocks = faq_blocks(text, path, warn, jsonl=suffix == ".jsonl")
        kind = "faq"
    title = meta.get("title") or parsed_title or _title_from_name(path)
    doc = Document(
        doc_id=rel,
        title=title,
        kind=kind,
        text=text,
        sha256=hashlib.sha256(raw).hexdigest(),
        url=meta.get("url"),
        notice=meta.get("notice"),
        date=meta.get("date"),
    )
    return doc, blocks


def _guide(  # noqa: PLR0913  # one file's text with what the caller collects from it
    text: str, path: Path, meta: dict[str, str], warn: Warn, section_max: int, left_out: Counter[str] | None
) -> tuple[str | None, list[Block]]:
    """A text or Markdown guide's blocks; its front matter fills ``meta`` where the sidecar did not."""
    front = read_front_matter(text)
    if front.problem:
        warn(f"{path}: the block at the top looks like front matter but is {front.problem}; it is read as text")
    for key, value in front.meta.items():
        meta.setdefault(key, value)
    if left_out is not None:
        left_out.update(front.left_out)
    parsed_title, blocks = parse_guide(
        front.body, markdown=GUIDE_SUFFIXES[path.suffix.lower()], section_max=section_max
    )
    if front.description_span and normalize(front.description) not in normalize(front.body):
        # The page's summary, unless its body already says it: what the page is about, answerable.
        blocks.insert(0, Block("passage", front.description, front.description_span, ()))
    if not blocks:
        raise CorpusError(f"{path}: no text to index was found; check the file's content")
    return parsed_title, blocks


def _load_converted(  # noqa: PLR0913  # one file and what the corpus read around it
    path: Path,
    raw: bytes,
    warn: Warn,
    corpus_dir: Path,
    read: Callable[[Path], bytes],
    section_max: int,
    site: SitePage,
) -> tuple[Document, list[Block]] | None:
    if not raw.strip():
        raise CorpusError(f"{path}: the file is empty; add content or remove it from the corpus")
    converted = convert_file(path, raw, warn, drop=site.drop) if site.drop else convert_file(path, raw, warn)
    if converted is None:
        return None
    rel = path.relative_to(corpus_dir).as_posix()
    meta = read_sidecar(path, corpus_dir.resolve(), warn, read)
    for key, value in converted.meta().items():
        meta.setdefault(key, value)
    if "url" not in meta and path.suffix.lower() in HTML_SUFFIXES:
        url = mirror_url(rel)  # a page of a wget mirror, saved under its host's name
        if url:
            meta["url"] = url
    parsed_title, blocks = parse_guide(converted.text, markdown=True, section_max=section_max, structured=True)
    if not blocks and site.drop:
        # A site's home or section page: a title over links that every page of its site shows.
        warn(f"{path}: left out, it holds only a title and what every page of its site repeats")
        return None
    if not blocks:
        raise CorpusError(f"{path}: no text to index was found; check the file's content")
    if site.of_site and parsed_title:
        blocks = under_title(blocks, parsed_title)
    doc = Document(
        doc_id=rel,
        title=meta.get("title") or parsed_title or _title_from_name(path),
        kind="guide",
        text=converted.text,
        sha256=hashlib.sha256(raw).hexdigest(),
        url=meta.get("url"),
        notice=meta.get("notice"),
        date=meta.get("date"),
    )
    return doc, mark_pages(blocks, converted.pages)


def _blank_controls(text: str, path: Path, warn: Warn) -> str:
    """Control characters (an ESC, a stray ^Z) become spaces, which keeps every
    character span true to the file; the file's owner hears where they were."""
    found = CONTROL.search(text)
    if not found:
        return text
    count = len(CONTROL.findall(text))
    line = text.count("\n", 0, found.start()) + 1
    warn(
        f"{path}: replaced {count} control character(s) with spaces (the first, U+{ord(found.group(0)):04X}, "
        f"on line {line}); remove them from the file"
    )
    return CONTROL.sub(" ", text)


def _title_from_name(path: Path) -> str:
    return re.sub(r"[-_]+", " ", path.stem).strip().capitalize() or path.name
