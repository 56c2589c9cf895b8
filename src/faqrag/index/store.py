"""The index on disk: build it atomically, load it with its manifest checked.

An index folder holds ``vectors.faiss`` (FAISS's own format: one vector per
chunk view), ``chunks.jsonl`` (the chunks, their views in vector order),
``documents.json`` (titles, notices and texts, for showing answers in place),
``manifest.json`` (format, model, corpus hashes, settings, counts) and a short
``README.md``. Nothing is pickled. A build writes a sibling temporary folder and
swaps it in whole (swap.py): a build that fails, or is killed at any instant,
leaves a loadable index, the old one or the new. Rebuilds reuse the vectors of
views whose text has not changed.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from faqrag import __version__
from faqrag.errors import FaqragError, IndexStateError
from faqrag.files import atomic_path
from faqrag.index.swap import recover, replace_folder
from faqrag.limits import (
    CONTROL,
    EMBED_ESTIMATE_TEXTS,
    EMBED_SAMPLE_TEXTS,
    EMBED_SECONDS_LIMIT,
    MAX_MANIFEST_BYTES,
    duration,
    loads,
    read_capped,
    shown,
)
from faqrag.models.embedding import Embedder
from faqrag.records import Chunk, Document
from faqrag.settings import ChunkSettings

FORMAT_VERSION = 4  # 2: section chunks, part roles; 3: tables, code with its step or lead-in, entry trail views; 4: alternates have their own role
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
CHUNKS = "chunks.jsonl"
DOCUMENTS = "documents.json"
README = "README.md"
CALIBRATION = "calibration.json"  # calibrate.FILE: kept across rebuilds, it belongs to the corpus

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


@dataclass(frozen=True)
class BuildSummary:
    index_dir: Path
    documents: int
    chunks: int
    views: int
    embedded: int  # views embedded now; the rest were reused
    seconds: float

    def line(self) -> str:
        reused = self.views - self.embedded
        return (
            f"built {self.index_dir}: {self.documents} document(s), {self.chunks} chunks, "
            f"{self.views} vectors ({self.embedded} embedded, {reused} reused) in {self.seconds:.1f} s"
        )


def _faiss():
    import faiss  # deferred: only index work needs it

    return faiss


# ------------------------------------------------------------------- build


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    *,
    chunk_settings: ChunkSettings | None = None,
    log: Callable[[str], None] = lambda _msg: None,
    warn: Callable[[str], None] | None = None,
    progress: bool = False,
    embed_seconds_limit: float | None = EMBED_SECONDS_LIMIT,
) -> BuildSummary:
    """``log`` hears progress; ``warn`` (by default ``log``, marked) hears what
    the corpus files held that was left out. A build whose embedding is
    estimated to take over ``embed_seconds_limit`` stops before it starts
    (None: no limit)."""
    # Deferred: loading an index (every question process) needs none of the parsing.
    from faqrag.ingest import alternates
    from faqrag.ingest.chunking import chunk_document
    from faqrag.ingest.corpus import file_hashes, load_corpus
    from faqrag.ingest.structured import block_counts

    t0 = time.perf_counter()
    chunk_settings = chunk_settings or ChunkSettings()
    hashes = file_hashes(corpus_dir)
    docs_blocks = load_corpus(corpus_dir, warn=warn or (lambda msg: log(f"warning: {msg}")))
    documents: list[Document] = []
    chunks: list[Chunk] = []
    seen: set[str] = set()
    for doc, blocks in docs_blocks:
        documents.append(doc)
        log(f"{doc.doc_id}: {block_counts(blocks)}")
        for c in chunk_document(doc, blocks, chunk_settings):
            if c.id not in seen:  # an identical block twice in one place adds nothing
                seen.add(c.id)
                chunks.append(c)
    if not chunks:
        raise FaqragError(f"no chunks were made from {corpus_dir}; check the corpus files")
    chunks = alternates.attach(
        chunks,
        alternates.read(corpus_dir),
        {d.doc_id: d.title for d in documents},
        warn or (lambda msg: log(f"warning: {msg}")),
    )
    log(f"parsed {len(documents)} document(s) into {len(chunks)} chunks")
    _check_target(index_dir)

    view_texts = [text for c in chunks for text, _ in c.views]
    cache = _reusable_vectors(index_dir, embedder)
    missing = sorted({t for t in view_texts if t not in cache})
    log(f"embedding {len(missing)} of {len(view_texts)} views with {embedder.model_id}")
    if missing:
        cache.update(_embed(missing, embedder, log, progress, embed_seconds_limit))
    dim = int(next(iter(cache.values())).shape[0])
    vectors = np.stack([cache[t] for t in view_texts]).astype(np.float32)

    faiss = _faiss()
    index = faiss.IndexFlatIP(dim)
    index.add(vectors)

    manifest = {
        "format_version": FORMAT_VERSION,
        "model": {"id": embedder.model_id, "fingerprint": embedder.fingerprint(), "dimension": dim},
        "corpus": {"dir": str(corpus_dir.resolve()), "files": hashes},
        "chunking": chunk_settings.to_dict(),
        "counts": {"documents": len(documents), "chunks": len(chunks), "views": len(view_texts)},
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "package_version": __version__,
    }
    _write_atomically(index_dir, manifest, documents, chunks, index)
    return BuildSummary(index_dir, len(documents), len(chunks), len(view_texts), len(missing), time.perf_counter() - t0)


def _embed(
    texts: Sequence[str], embedder: Embedder, log: Callable[[str], None], progress: bool, limit: float | None
) -> dict[str, np.ndarray]:
    """Vectors of ``texts``; a long job is timed on a sample first, so its cost
    is told (and, over ``limit``, refused) before it starts, not hours in."""
    if len(texts) <= EMBED_ESTIMATE_TEXTS:
        return dict(zip(texts, embedder.encode(texts, progress=progress)))
    sample = list(texts[:: len(texts) // EMBED_SAMPLE_TEXTS][:EMBED_SAMPLE_TEXTS])
    out = dict(zip(sample[:1], embedder.encode(sample[:1])))  # loads the model outside the timing
    t0 = time.perf_counter()
    out.update(zip(sample[1:], embedder.encode(sample[1:])))
    rate = (len(sample) - 1) / max(time.perf_counter() - t0, 1e-6)
    seconds = len(texts) / rate
    log(f"embedding {len(texts):,} texts will take about {duration(seconds)} here ({rate:,.0f} a second)")
    if limit is not None and seconds > limit:
        raise FaqragError(
            f"embedding {len(texts):,} texts would take about {duration(seconds)}, over the {duration(limit)} "
            "a build takes unasked; shrink the corpus, or run 'faqrag build --yes' to go ahead"
        )
    rest = [t for t in texts if t not in out]
    out.update(zip(rest, embedder.encode(rest, progress=progress)))
    return out


def _reusable_vectors(index_dir: Path, embedder: Embedder) -> dict[str, np.ndarray]:
    """Vectors of the current index, by view text, if it was made by this model."""
    try:
        old = load_index(index_dir)
    except FaqragError:
        return {}
    model = old.manifest["model"]
    if model["id"] != embedder.model_id or model.get("fingerprint") != embedder.fingerprint():
        return {}
    texts = [text for c in old.chunks for text, _ in c.views]
    return dict(zip(texts, old.vectors))


INDEX_FILES = frozenset({MANIFEST, VECTORS, CHUNKS, DOCUMENTS, README, CALIBRATION})


def _check_target(index_dir: Path) -> None:
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
        if foreign and not _is_index(index_dir):
            raise IndexStateError(
                f"{index_dir} is not a faqrag index (it holds {foreign[0]!r}) and a build would replace it; "
                "pass --index a new folder"
            )


def _foreign_file(folder: Path) -> str | None:
    """The first of a few entries of ``folder`` that no index holds, if any."""
    try:
        with os.scandir(folder) as entries:
            for entry in itertools.islice(entries, 1000):
                if entry.name not in INDEX_FILES and not entry.name.startswith("."):
                    return entry.name
    except OSError:
        return None
    return None


def _is_index(folder: Path) -> bool:
    """A faqrag manifest of any format (other files may be a newer version's)."""
    try:
        manifest = loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and "format_version" in manifest and "model" in manifest


def _write_atomically(index_dir: Path, manifest: dict, documents, chunks, index) -> None:
    def fill(tmp: Path) -> None:
        # Bytes through Python, not a path handed to FAISS: its C++ side
        # cannot take a path holding undecodable bytes.
        (tmp / VECTORS).write_bytes(_faiss().serialize_index(index).tobytes())
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
        replace_folder(index_dir, fill, marker=MANIFEST, check=_check_target)
    except OSError as err:
        raise IndexStateError(
            f"cannot write the index at {index_dir} ({err.strerror or err}); "
            "check the folder is writable and the disk has room"
        ) from None


# -------------------------------------------------------------------- load


def _corrupt(index_dir: Path, what: str) -> IndexStateError:
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


def read_manifest(index_dir: Path) -> dict:
    path = index_dir / MANIFEST
    if index_dir.exists() and not index_dir.is_dir():
        raise IndexStateError(f"index path {index_dir} is a file, not an index folder; pass --index the index folder")
    if not path.exists():
        recover(index_dir, MANIFEST)  # a build killed mid-swap leaves the index moved aside
    if not path.exists():
        held = _foreign_file(index_dir)
        if held:  # a build there would be refused: say what the folder is instead
            raise IndexStateError(
                f"{index_dir} is not a faqrag index (it holds {held!r}); pass --index the index folder"
                " (build one with 'faqrag build --index NEW_FOLDER')"
            )
        raise IndexStateError(f"no index at {index_dir}; build it with 'faqrag build --index {index_dir}'")
    try:
        manifest = loads(read_capped(path, MAX_MANIFEST_BYTES))
    except (OSError, ValueError) as err:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise _corrupt(index_dir, f"manifest.json is unreadable: {str(err)[:100]}") from None
    if not isinstance(manifest, dict):
        raise _corrupt(index_dir, "manifest.json is not a JSON object")
    version = manifest.get("format_version")
    if not _is(version, int):
        raise _corrupt(index_dir, f"its format_version is {shown(version)}, not a whole number")
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
                raise _corrupt(index_dir, f"manifest.json has no field {name}")
            raise _corrupt(index_dir, f"manifest.json field {name} is {shown(value)}, not {_KIND[kind]}")
        if kind is str and CONTROL.search(value):  # info prints them to a terminal
            raise _corrupt(index_dir, f"manifest.json field {'.'.join(keys)} holds a control character")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in manifest["corpus"]["files"].items()):
        raise _corrupt(index_dir, "manifest.json field corpus.files must map file names to hashes")
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


def load_index(index_dir: Path) -> StoredIndex:
    manifest = read_manifest(index_dir)
    problem = check_files(index_dir, manifest)
    if problem:
        raise _corrupt(index_dir, problem)
    faiss = _faiss()
    try:
        index = faiss.deserialize_index(np.frombuffer((index_dir / VECTORS).read_bytes(), dtype=np.uint8))
    except Exception:  # faiss raises RuntimeError with C++ text; the user needs only "corrupt"
        raise _corrupt(index_dir, f"{VECTORS} cannot be read") from None
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
        raise _corrupt(index_dir, f"{CHUNKS} or {DOCUMENTS} is unreadable") from None
    if any(c.doc not in documents for c in chunks):
        raise _corrupt(index_dir, f"{CHUNKS} names a document {DOCUMENTS} does not hold")
    views = sum(len(c.views) for c in chunks)
    dim = manifest["model"]["dimension"]
    if index.ntotal != views or views != manifest["counts"]["views"] or index.d != dim:
        raise _corrupt(index_dir, f"{index.ntotal} vectors of dimension {index.d} for {views} views")
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


def stale_files(manifest: dict, corpus_dir: Path | None = None) -> list[str]:
    """Corpus files added, removed or changed since the index was built."""
    from faqrag.ingest.corpus import file_hashes  # deferred with the parsing it sits beside

    corpus_dir = corpus_dir or Path(manifest["corpus"]["dir"])
    try:
        now = file_hashes(corpus_dir)  # bounded by the corpus caps, whatever folder the manifest names
    except FaqragError as err:
        return [f"{corpus_dir} ({str(err).split(';')[0].removeprefix(str(corpus_dir) + ': ')})"]
    then = manifest["corpus"]["files"]
    return sorted(name for name in set(now) | set(then) if now.get(name) != then.get(name))


def needs_build(index_dir: Path, corpus_dir: Path, model: str | None) -> str | None:
    """Why the index must be (re)built, or None when it is up to date."""
    from faqrag.models.embedding import resolve_model

    try:
        manifest = read_manifest(index_dir)
    except FaqragError as err:
        return str(err).split(";")[0]
    problem = check_files(index_dir, manifest)
    if problem:
        return f"the index is corrupt ({problem})"
    model_id, _ = resolve_model(model or manifest["model"]["id"])
    if manifest["model"]["id"] != model_id:
        return f"built with model {manifest['model']['id']}"
    if manifest.get("chunking") != ChunkSettings().to_dict():
        return "chunk settings changed"
    changed = stale_files(manifest, corpus_dir)
    return f"corpus changed: {', '.join(changed)}" if changed else None
