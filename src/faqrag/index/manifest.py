"""An index folder's files and its manifest, checked on every read.

The manifest records the format, the model (id, weights fingerprint,
dimension), the corpus files' hashes, the chunk settings, counts and build
time; it is written last and whole, so a folder holding one is a complete
index (swap.py relies on it). Reading it is cheap and needs no numpy: a
one-question process reads it to start loading the model at once.
"""

from __future__ import annotations

import itertools
import os
import stat
from pathlib import Path

from faqrag.errors import IndexStateError
from faqrag.index.swap import recover
from faqrag.limits import CONTROL, MAX_MANIFEST_BYTES, loads, read_capped, read_json, shown

FORMAT_VERSION = 5  # 2: section chunks, part roles; 3: tables, code with its step or lead-in, entry trail views; 4: alternates have their own role; 5: an FAQ answer's sentences as views
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
CHUNKS = "chunks.jsonl"
DOCUMENTS = "documents.json"
README = "README.md"
CALIBRATION = "calibration.json"  # the corpus's own decline threshold (calibration.py): kept across rebuilds

INDEX_FILES = frozenset({MANIFEST, VECTORS, CHUNKS, DOCUMENTS, README, CALIBRATION})


def corrupt(index_dir: Path, what: str) -> IndexStateError:
    return IndexStateError(f"index at {index_dir} is corrupt ({what}); rebuild it with 'faqrag build'")


# What loading, `info` and the staleness check read, and the type each must be.
MANIFEST_FIELDS = {
    ("model", "id"): str,
    ("model", "dimension"): int,
    ("counts", "documents"): int,
    ("counts", "chunks"): int,
    ("counts", "views"): int,
    ("corpus", "dir"): str,
    ("corpus", "files"): dict,
    ("chunking",): dict,
    ("built_at",): str,
    ("package_version",): str,
}


def read_manifest(index_dir: Path) -> dict:  # noqa: C901  # one check per way an index folder can be wrong, each with its own fix
    path = index_dir / MANIFEST
    try:  # one look: a folder swapped between "exists" and "is a folder" was called a file
        is_file = not stat.S_ISDIR(os.stat(index_dir).st_mode)
    except OSError:
        is_file = False
    if is_file:
        raise IndexStateError(f"index path {index_dir} is a file, not an index folder; pass --index the index folder")
    if not path.exists():
        recover(index_dir, MANIFEST)  # a build killed mid-swap leaves the index moved aside
    if not path.exists():
        held = foreign_file(index_dir)
        if held:  # a build there would be refused: say what the folder is instead
            raise IndexStateError(
                f"{index_dir} is not a faqrag index (it holds {held!r}); pass --index the index folder"
                " (build one with 'faqrag build --index NEW_FOLDER')"
            )
        raise IndexStateError(f"no index at {index_dir}; build it with 'faqrag build --index {index_dir}'")
    try:
        manifest = loads(read_capped(path, MAX_MANIFEST_BYTES))
    except (OSError, ValueError) as err:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise corrupt(index_dir, f"manifest.json is unreadable: {str(err)[:100]}") from None
    if not isinstance(manifest, dict):
        raise corrupt(index_dir, "manifest.json is not a JSON object")
    version = manifest.get("format_version")
    if not _is(version, int):
        raise corrupt(index_dir, f"its format_version is {shown(version)}, not a whole number")
    if version != FORMAT_VERSION:
        raise IndexStateError(
            f"index at {index_dir} has format {version} but this faqrag reads format {FORMAT_VERSION}; "
            "rebuild it with 'faqrag build'"
        )
    for keys, kind in MANIFEST_FIELDS.items():
        value = manifest
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if not _is(value, kind):
            name = ".".join(keys)
            if value is None:
                raise corrupt(index_dir, f"manifest.json has no field {name}")
            raise corrupt(index_dir, f"manifest.json field {name} is {shown(value)}, not {_KIND[kind]}")
        if kind is str and CONTROL.search(value):  # info prints them to a terminal
            raise corrupt(index_dir, f"manifest.json field {'.'.join(keys)} holds a control character")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in manifest["corpus"]["files"].items()):
        raise corrupt(index_dir, "manifest.json field corpus.files must map file names to hashes")
    return manifest


_KIND = {str: "text", int: "a whole number", dict: "an object"}


def _is(value: object, kind: type) -> bool:
    return isinstance(value, kind) and not isinstance(value, bool)


def check_files(index_dir: Path, manifest: dict) -> str | None:
    """What is wrong with the index's files, judged without loading them (cheap
    enough for every staleness check): missing, or too small for the manifest's
    counts, as a truncated copy or an interrupted write leaves them."""
    views, dim = manifest["counts"]["views"], manifest["model"]["dimension"]
    least = {VECTORS: views * dim * 4, CHUNKS: manifest["counts"]["chunks"], DOCUMENTS: 2}
    for name, size in least.items():
        try:
            actual = (index_dir / name).stat().st_size
        except OSError:
            return f"{name} is missing"
        if actual < size:
            return f"{name} is {actual:,} bytes, too small for {views:,} vectors"
    return None


def foreign_file(folder: Path) -> str | None:
    """The first of a few entries of ``folder`` that no index holds, if any."""
    try:
        with os.scandir(folder) as entries:
            for entry in itertools.islice(entries, 1000):
                if entry.name not in INDEX_FILES and not entry.name.startswith("."):
                    return entry.name
    except OSError:
        return None
    return None


def is_index(folder: Path) -> bool:
    """A faqrag manifest of any format (other files may be a newer version's)."""
    try:
        manifest = read_json(folder / MANIFEST, MAX_MANIFEST_BYTES)
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and "format_version" in manifest and "model" in manifest
