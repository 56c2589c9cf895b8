"""The index on disk: written whole into a new folder, loaded with its manifest checked.

An index folder holds ``vectors.faiss`` (FAISS's own format: one vector per
chunk view), ``chunks.jsonl`` (the chunks, their views in vector order),
``documents.json`` (titles, notices and texts, for showing answers in place),
``manifest.json`` (manifest.py) and a short ``README.md``. Nothing is pickled.
A write fills a sibling temporary folder and swaps it in whole (swap.py): a
write that fails, or is killed at any instant, leaves a loadable index, the
old one or the new.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from faqrag.errors import IndexStateError
from faqrag.files import atomic_path
from faqrag.index.manifest import (
    CALIBRATION,
    CHUNKS,
    DOCUMENTS,
    INDEX_FILES,
    MANIFEST,
    README,
    VECTORS,
    check_files,
    corrupt,
    is_index,
    read_manifest,
)
from faqrag.index.swap import replace_folder
from faqrag.limits import loads
from faqrag.models.embedder import Embedder
from faqrag.records import Chunk, Document

INDEX_README = """# index/

Build output of `faqrag build` (or `make index`): not edited by hand, not committed.

- `vectors.faiss`: FAISS inner-product index, one normalised vector per chunk view
- `chunks.jsonl`: the chunks (text, kind, heading trail, source span) and their views, in vector order
- `documents.json`: each corpus document's title, source URL, notice and text (for showing answers in place)
- `manifest.json`: format version, model id and fingerprint, dimension, corpus file hashes,
  chunk settings, counts, build time, package version

Rebuild with `faqrag build --corpus corpus --index index`.
"""


@dataclass(frozen=True)
class StoredIndex:
    path: Path
    manifest: dict
    documents: dict[str, Document]
    chunks: list[Chunk]
    vectors: np.ndarray  # (views, dim) float32, row i is view i
    faiss_index: object
    view_chunk: np.ndarray  # chunk row of each view
    view_role: np.ndarray  # role of each view (see records.WHOLE / QUESTION / part index)


def faiss_module():
    import faiss  # deferred: only index work needs it

    return faiss


def check_target(index_dir: Path) -> None:
    """A build replaces the folder whole: it must be an index (or new, or empty),
    never a folder of the user's that --index named by mistake."""
    if index_dir.exists() and not index_dir.is_dir():
        raise IndexStateError(f"index path {index_dir} is a file; pass --index a folder")
    try:  # said before the embedding, not after it
        index_dir.absolute().parent.mkdir(parents=True, exist_ok=True)
        writable = os.access(index_dir.absolute().parent, os.W_OK)
    except OSError as err:
        raise IndexStateError(
            f"cannot write the index at {index_dir} ({err.strerror}); pass --index a folder you can write"
        ) from None
    if not writable:
        raise IndexStateError(
            f"cannot write the index at {index_dir} (its folder is not writable); pass --index a folder you can write"
        )
    if index_dir.is_dir():
        try:
            foreign = sorted(p.name for p in index_dir.iterdir() if p.name not in INDEX_FILES)
        except OSError as err:
            raise IndexStateError(
                f"index folder {index_dir} cannot be read ({err.strerror}); check its permissions"
            ) from None
        if foreign and not is_index(index_dir):
            raise IndexStateError(
                f"{index_dir} is not a faqrag index (it holds {foreign[0]!r}) and a build would replace it; "
                "pass --index a new folder"
            )


def write_index(index_dir: Path, manifest: dict, documents, chunks, index) -> None:
    def fill(tmp: Path) -> None:
        # Bytes through Python, not a path handed to FAISS: its C++ side
        # cannot take a path holding undecodable bytes.
        (tmp / VECTORS).write_bytes(faiss_module().serialize_index(index).tobytes())
        with (tmp / CHUNKS).open("w", encoding="utf-8") as fh:
            for c in chunks:
                fh.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
        docs = {
            d.doc_id: {
                "title": d.title,
                "kind": d.kind,
                "url": d.url,
                "notice": d.notice,
                "date": d.date,
                "sha256": d.sha256,
                "text": d.text,
            }
            for d in documents
        }
        (tmp / DOCUMENTS).write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
        (tmp / README).write_text(INDEX_README, encoding="utf-8")
        if (index_dir / CALIBRATION).is_file():
            shutil.copy2(index_dir / CALIBRATION, tmp / CALIBRATION)
        # The manifest goes last, and whole (renamed into place): a folder with
        # one is complete (swap.py relies on it). ASCII: the corpus path may
        # hold undecodable bytes, which JSON keeps as \udcXX escapes.
        with atomic_path(tmp / MANIFEST) as part:
            part.write_text(json.dumps(manifest, indent=2), encoding="utf-8")

    try:
        replace_folder(index_dir, fill, marker=MANIFEST, check=check_target)
    except OSError as err:
        raise IndexStateError(
            f"cannot write the index at {index_dir} ({err.strerror or err}); "
            "check the folder is writable and the disk has room"
        ) from None


SWAP_RETRIES = 5  # reads of a folder swapped during each: a build every few milliseconds


def load_index(index_dir: Path) -> StoredIndex:
    """The index in ``index_dir``, whole. A build swaps a new folder in (the old one
    moved aside, the new one renamed in), and a load that overlaps the swap may read
    the manifest of one folder and the vectors of the other, or find none for an
    instant: such a load is read again, not reported corrupt (it was, in 1 load of
    20 while builds swapped in a tight loop). A folder that stayed the same
    throughout and is still wrong is corrupt."""
    for attempt in range(SWAP_RETRIES):
        seen = _identity(index_dir)
        try:
            return _load(index_dir)
        except IndexStateError:
            if seen is not None and seen == _identity(index_dir):
                raise
            time.sleep(0.01 * 2**attempt)  # a swap was under way: the next read finds it done
    return _load(index_dir)


def _identity(index_dir: Path) -> tuple | None:
    """Which folder, and which manifest in it, ``index_dir`` is now (a swap changes both)."""
    try:
        folder, manifest = os.stat(index_dir), os.stat(index_dir / MANIFEST)
    except OSError:
        return None
    return (folder.st_dev, folder.st_ino, manifest.st_ino, manifest.st_mtime_ns)


def _load(index_dir: Path) -> StoredIndex:
    manifest = read_manifest(index_dir)
    problem = check_files(index_dir, manifest)
    if problem:
        raise corrupt(index_dir, problem)
    faiss = faiss_module()
    try:
        index = faiss.deserialize_index(np.frombuffer((index_dir / VECTORS).read_bytes(), dtype=np.uint8))
    except Exception:  # faiss raises RuntimeError with C++ text; the user needs only "corrupt"
        raise corrupt(index_dir, f"{VECTORS} cannot be read") from None
    try:
        with (index_dir / CHUNKS).open(encoding="utf-8") as fh:
            chunks = [Chunk.from_dict(loads(line)) for line in fh if line.strip()]
        raw_docs = loads((index_dir / DOCUMENTS).read_text(encoding="utf-8"))
        documents = {
            doc_id: Document(
                doc_id=doc_id,
                title=d["title"],
                kind=d["kind"],
                text=d["text"],
                sha256=d["sha256"],
                url=d.get("url"),
                notice=d.get("notice"),
                date=d.get("date"),
            )
            for doc_id, d in raw_docs.items()
        }
    except (
        OSError,
        json.JSONDecodeError,
        UnicodeDecodeError,
        KeyError,
        TypeError,
        IndexError,
        ValueError,
        AttributeError,
    ):
        raise corrupt(index_dir, f"{CHUNKS} or {DOCUMENTS} is unreadable") from None
    if any(c.doc not in documents for c in chunks):
        raise corrupt(index_dir, f"{CHUNKS} names a document {DOCUMENTS} does not hold")
    views = sum(len(c.views) for c in chunks)
    dim = manifest["model"]["dimension"]
    if index.ntotal != views or views != manifest["counts"]["views"] or index.d != dim:
        raise corrupt(index_dir, f"{index.ntotal} vectors of dimension {index.d} for {views} views")
    vectors = index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, dim), np.float32)
    view_chunk = np.fromiter((i for i, c in enumerate(chunks) for _ in c.views), dtype=np.int32, count=views)
    view_role = np.fromiter((role for c in chunks for _, role in c.views), dtype=np.int32, count=views)
    return StoredIndex(index_dir, manifest, documents, chunks, vectors, index, view_chunk, view_role)


def check_model(stored: StoredIndex, embedder: Embedder) -> None:
    """The index must have been built by the model that will embed questions."""
    built = stored.manifest["model"]
    if built["id"] != embedder.model_id:
        raise IndexStateError(
            f"the index was built with model '{built['id']}', not '{embedder.model_id}'; "
            f"rebuild it with 'faqrag build --model {embedder.model_id}' or ask without --model"
        )
    fp = embedder.fingerprint()
    if built.get("fingerprint") and fp and built["fingerprint"] != fp:
        raise IndexStateError(
            f"model '{embedder.model_id}' has changed since the index was built (its weights differ); "
            "rebuild it with 'faqrag build'"
        )
