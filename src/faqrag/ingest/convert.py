"""Which converter reads which file, and the one record they all return.

Each format has its own small module (``convert_html``, ``convert_pdf``,
``convert_docx``) with ``convert(raw, path, warn) -> Converted | None``; it is
imported only when a file of its format is read, so the heavy libraries load
late and a missing one is a message saying what to install. A converter raises
``CorpusError`` for a file it cannot read and returns ``None`` (after a
warning) for one that holds no text to index, such as a scanned PDF.
"""

from __future__ import annotations

import bisect
import importlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from faqrag.errors import CorpusError
from faqrag.limits import MAX_FILE_BYTES, mib

Warn = Callable[[str], None]

# suffix -> (module, PyPI package it needs)
CONVERTERS = {
    ".html": ("convert_html", "selectolax"),
    ".htm": ("convert_html", "selectolax"),
    ".pdf": ("convert_pdf", "pypdfium2"),
    ".docx": ("convert_docx", "python-docx"),
}


@dataclass(frozen=True)
class Converted:
    """A file turned into structured text (see ``structured.py``) plus what it says about itself."""

    text: str
    title: str | None = None
    url: str | None = None
    date: str | None = None  # last modified or published, as the file gives it
    pages: tuple[int, ...] = ()  # text offset where each page begins (PDF), page 1 first

    def meta(self) -> dict[str, str]:
        return {k: v for k, v in (("title", self.title), ("url", self.url), ("date", self.date)) if v}


def convert_file(path: Path, raw: bytes, warn: Warn, **options) -> Converted | None:
    """``options`` go to the format's converter (a web page's ``drop``: the parts its site repeats)."""
    module_name, package = CONVERTERS[path.suffix.lower()]
    try:
        module = importlib.import_module(f".{module_name}", __package__)
    except ImportError as err:
        raise CorpusError(
            f"{path}: reading {path.suffix} files needs the '{package}' package ({err.name} is missing); "
            f"install it with 'pip install {package}'"
        ) from None
    converted = module.convert(raw, path, warn, **options)
    # A converted file is bounded as a text file is: a few KB of compressed XML or
    # PDF streams can hold far more text than the corpus limits let in.
    if converted is not None and len(converted.text) > MAX_FILE_BYTES:
        raise CorpusError(
            f"{path}: holds {mib(len(converted.text))} of text, over the {mib(MAX_FILE_BYTES)} limit for one file; "
            "split it"
        )
    return converted


def mark_pages(blocks: list, pages: tuple[int, ...]) -> list:
    """Add the page a block starts on to its last heading: 'Section (page 4)'."""
    if not pages:
        return blocks
    out = []
    for b in blocks:
        page = bisect.bisect_right(pages, b.span[0])
        page = max(page, 1)
        where = f"(page {page})"
        trail = b.trail[:-1] + (f"{b.trail[-1]} {where}",) if b.trail else (f"Page {page}",)
        out.append(replace(b, trail=trail))
    return out
