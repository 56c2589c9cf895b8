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
import json
import os
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

from faqrag.errors import CorpusError
from faqrag.ingest.convert import CONVERTERS, convert_file, mark_pages
from faqrag.ingest.parse import Block, parse_guide
from faqrag.ingest.tabular import csv_rows, jsonl_rows
from faqrag.limits import (
    CONTROL,
    MAX_CORPUS_BYTES,
    MAX_CORPUS_FILES,
    MAX_FILE_BYTES,
    MAX_LISTED_ENTRIES,
    bad_character,
    loads,
    mib,
)
from faqrag.records import Document
from faqrag.text import normalize, truncate

GUIDE_SUFFIXES = {".txt": False, ".md": True, ".markdown": True}  # value: is Markdown
FAQ_SUFFIXES = (".csv", ".jsonl")
META_SUFFIX = ".meta.json"
ALTERNATES = "alternates.jsonl"  # alternates.FILE; not a corpus document
META_KEYS = frozenset({"title", "url", "notice", "date"})
FAQ_FIELDS = ("question", "answer", "category", "section", "id")

Warn = Callable[[str], None]


def _ignore(_msg: str) -> None:
    pass


def corpus_files(corpus_dir: Path, warn: Warn = _ignore) -> list[Path]:
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
            if entry.is_symlink() and not _inside(path, root):
                warn(f"{path}: left out, it links outside the corpus folder; copy the file in to index it")
                continue
            try:
                is_dir = entry.is_dir()
                is_file = not is_dir and entry.is_file()
            except OSError:
                continue  # vanished or unreadable link; nothing to index
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
    total = sum(f.stat().st_size for p in files for f in (p, _sidecar_path(p, root)) if f)
    if total > MAX_CORPUS_BYTES:
        raise CorpusError(
            f"corpus folder {corpus_dir} holds {mib(total)} of files, over the limit of {mib(MAX_CORPUS_BYTES)}; "
            "split it into smaller corpora"
        )
    return sorted(files)


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a link loop
        return False


def _sidecar_path(path: Path, root: Path) -> Path | None:
    """A file's metadata sidecar, if there is one inside the corpus folder."""
    side = path.with_name(path.name + META_SUFFIX)
    return side if side.is_file() and _inside(side, root) else None


def file_hashes(corpus_dir: Path) -> dict[str, str]:
    """sha256 of each corpus file and sidecar, keyed by path relative to the folder."""
    out = {}
    root = corpus_dir.resolve()
    for p in corpus_files(corpus_dir):
        for f in (p, _sidecar_path(p, root)):
            if f:
                out[f.relative_to(corpus_dir).as_posix()] = hashlib.sha256(_read_bytes(f)).hexdigest()
    alternates = corpus_dir / ALTERNATES
    if alternates.is_file():  # a new link to an answer makes the index stale too
        out[ALTERNATES] = hashlib.sha256(_read_bytes(alternates)).hexdigest()
    return out


def load_corpus(corpus_dir: Path, warn: Warn = _ignore) -> list[tuple[Document, list[Block]]]:
    """Read and parse every corpus file; what is left out of one is told to ``warn``."""
    loaded = [d for d in (load_file(p, corpus_dir, warn) for p in corpus_files(corpus_dir, warn)) if d is not None]
    _warn_conflicting_faqs(loaded, corpus_dir, warn)
    return loaded


def _warn_conflicting_faqs(loaded: list[tuple[Document, list[Block]]], corpus_dir: Path, warn: Warn) -> None:
    """The same FAQ question with two different answers: whichever ranks first
    would answer, so say where both are."""
    first: dict[str, tuple[str, str]] = {}  # folded question -> (folded answer, where)
    for doc, blocks in loaded:
        for b in blocks:
            if b.kind != "faq" or not b.question:
                continue
            key, answer = normalize(b.question), normalize(b.text)
            where = f"{corpus_dir / doc.doc_id}, line {doc.text.count(chr(10), 0, b.span[0]) + 1}"
            if key not in first:
                first[key] = (answer, where)
            elif first[key][0] != answer:
                warn(
                    f"FAQ question {truncate(b.question, 80)!r} has different answers at {first[key][1]} "
                    f"and {where}; keep one"
                )


def load_file(path: Path, corpus_dir: Path, warn: Warn = _ignore) -> tuple[Document, list[Block]] | None:
    """One file's document and blocks; None for a document with no text to index (after a warning)."""
    rel = path.relative_to(corpus_dir).as_posix()
    raw = _read_bytes(path)
    if path.suffix.lower() in CONVERTERS:
        return _load_converted(path, rel, raw, warn, corpus_dir)
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise CorpusError(
            f"{path}: holds NUL bytes (first at offset {nul}), so it is not a text file; "
            "remove it from the corpus or save it as UTF-8 text"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise CorpusError(
            f"{path}: not UTF-8 text (byte 0x{raw[err.start]:02x} at offset {err.start}); save it as UTF-8"
        ) from None
    if not text.strip():
        raise CorpusError(f"{path}: the file is empty; add content or remove it from the corpus")
    text = _blank_controls(text, path, warn)
    meta = _sidecar(path, corpus_dir.resolve(), warn)
    suffix = path.suffix.lower()
    if suffix in GUIDE_SUFFIXES:
        front, body = _front_matter(text, path)
        for key, value in front.items():
            meta.setdefault(key, value)
        parsed_title, blocks = parse_guide(body, markdown=GUIDE_SUFFIXES[suffix])
        kind = "guide"
        if not blocks:
            raise CorpusError(f"{path}: no text to index was found; check the file's content")
    else:
        parsed_title = None
        blocks = _faq_blocks(text, path, warn, jsonl=suffix == ".jsonl")
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


def _load_converted(
    path: Path, rel: str, raw: bytes, warn: Warn, corpus_dir: Path
) -> tuple[Document, list[Block]] | None:
    if not raw.strip():
        raise CorpusError(f"{path}: the file is empty; add content or remove it from the corpus")
    converted = convert_file(path, raw, warn)
    if converted is None:
        return None
    meta = _sidecar(path, corpus_dir.resolve(), warn)
    for key, value in converted.meta().items():
        meta.setdefault(key, value)
    parsed_title, blocks = parse_guide(converted.text, markdown=True)
    if not blocks:
        raise CorpusError(f"{path}: no text to index was found; check the file's content")
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


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CorpusError(f"{path}: {mib(size)} is over the {mib(MAX_FILE_BYTES)} limit for one file; split it")
        return path.read_bytes()
    except FileNotFoundError:
        raise CorpusError(f"{path}: file not found; check the corpus folder") from None
    except OSError as err:
        raise CorpusError(f"{path}: cannot be read ({err.strerror}); check its permissions") from None


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


def _sidecar(path: Path, root: Path, warn: Warn) -> dict[str, str]:
    side = _sidecar_path(path, root)
    if side is None:
        outside = path.with_name(path.name + META_SUFFIX)
        if outside.is_symlink():
            warn(f"{outside}: left out, it links outside the corpus folder; copy the file in to use it")
        return {}
    try:
        data = loads(_read_bytes(side).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CorpusError(f"{side}: not valid UTF-8 JSON ({err}); fix the metadata file") from None
    return _check_meta(data, side)


def _check_meta(data: object, where: Path) -> dict[str, str]:
    if not isinstance(data, dict):
        raise CorpusError(f"{where}: metadata must be an object with title, url and notice")
    unknown = set(data) - META_KEYS
    if unknown:
        raise CorpusError(
            f"{where}: unknown metadata key(s) {', '.join(sorted(unknown))}; use only {', '.join(sorted(META_KEYS))}"
        )
    out = {}
    for key, value in data.items():
        if value is None:
            continue
        if not isinstance(value, str):
            raise CorpusError(f"{where}: metadata '{key}' must be a string")
        bad = bad_character(value)
        if bad:
            raise CorpusError(f"{where}: metadata '{key}' holds {bad}; remove it")
        if value.strip():
            out[key] = value.strip()
    return out


def _front_matter(text: str, path: Path) -> tuple[dict[str, str], str]:
    """Front matter is blanked out (not cut) so character spans stay true to the file."""
    m = re.match(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", text, re.S)
    if not m:
        return {}, text
    data = {}
    for line in m.group(1).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise CorpusError(f"{path}: front matter line '{line.strip()}' is not 'key: value'")
        data[key.strip().lower()] = value.strip().strip("'\"")
    meta = _check_meta(data, path)
    blank = re.sub(r"[^\n]", " ", text[: m.end()])
    return meta, blank + text[m.end() :]


def _faq_blocks(text: str, path: Path, warn: Warn, *, jsonl: bool) -> list[Block]:
    line_starts = [0]
    for m in re.finditer(r"\n", text):
        line_starts.append(m.end())

    def span(first: int, last: int) -> tuple[int, int]:  # 1-based inclusive line numbers
        end = line_starts[last] - 1 if last < len(line_starts) else len(text)
        return line_starts[first - 1], max(end, line_starts[first - 1])

    rows = jsonl_rows(text, path, CorpusError) if jsonl else csv_rows(text, path, ("question", "answer"), CorpusError)
    blocks, blank = [], []
    for first, row in rows:
        for key in ("question", "answer", "category", "section"):
            if row.get(key) is not None and not isinstance(row[key], str):
                raise CorpusError(f"{path}, line {first}: '{key}' must be a string")
            bad = row.get(key) and bad_character(row[key])  # a JSON escape such as \u0000 or \ud800
            if bad:
                raise CorpusError(f"{path}, line {first}: '{key}' holds {bad}; remove it")
        q, a = row.get("question") or "", row.get("answer") or ""
        if not q.strip() or not a.strip():
            blank.append(first)  # exports often hold a few; one should not sink the rest
            continue
        category = (row.get("category") or row.get("section") or "").strip()
        last = first + q.count("\n") + a.count("\n") if not jsonl else first
        blocks.append(
            Block(
                "faq",
                " ".join(a.split()),
                span(first, last),
                (category,) if category else (),
                question=" ".join(q.split()),
            )
        )
    # Extra fields (a link, a language, an HTML copy) are common in public FAQ
    # files: leave them out, but say so, in case one was meant as a known field.
    extra = sorted({k for _, row in rows for k in row} - set(FAQ_FIELDS))
    if extra:
        warn(f"{path}: left out field(s) {_names(extra)}; faqrag reads {', '.join(FAQ_FIELDS)}")
    if blank:
        lines = ", ".join(map(str, blank[:5])) + (f" and {len(blank) - 5} more" if len(blank) > 5 else "")
        where = "line" if len(blank) == 1 else "lines"
        warn(f"{path}: left out {len(blank)} row(s) without a question or an answer ({where} {lines})")
    if not rows:
        raise CorpusError(f"{path}: no question/answer rows; add some or remove the file")
    if not blocks:
        found = _names(dict.fromkeys(k for _, row in rows for k in row))
        raise CorpusError(
            f"{path}: no row has both a question and an answer (fields: {found}); "
            "name the fields 'question' and 'answer', or fill them in"
        )
    return blocks


def _names(fields) -> str:
    # repr: a name from a file may be empty (a trailing comma) or hold a line break.
    return ", ".join(repr(f) if f else "(unnamed)" for f in fields) or "none"
