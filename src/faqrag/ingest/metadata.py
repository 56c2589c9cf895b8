"""A document's title, URL, notice and date: from a sidecar ``<file>.meta.json`` or
from front matter at the top of a guide (``---`` / ``title: ...`` / ``---``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from faqrag.errors import CorpusError
from faqrag.files import inside
from faqrag.ingest.reading import read_bytes
from faqrag.limits import bad_character, loads

META_SUFFIX = ".meta.json"
META_KEYS = frozenset({"title", "url", "notice", "date"})


def sidecar_path(path: Path, root: Path) -> Path | None:
    """A file's metadata sidecar, if there is one inside the corpus folder."""
    side = path.with_name(path.name + META_SUFFIX)
    return side if side.is_file() and inside(side, root) else None


def read_sidecar(
    path: Path, root: Path, warn: Callable[[str], None], read: Callable[[Path], bytes] = read_bytes
) -> dict[str, str]:
    side = sidecar_path(path, root)
    if side is None:
        outside = path.with_name(path.name + META_SUFFIX)
        if outside.is_symlink():
            warn(f"{outside}: left out, it links outside the corpus folder; copy the file in to use it")
        return {}
    try:
        data = loads(read(side).decode("utf-8"))
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
