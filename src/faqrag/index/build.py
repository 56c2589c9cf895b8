"""The build: corpus files to an index on disk, the one function every caller uses.

corpus -> parsed documents -> chunks (and their linked alternate phrasings) ->
vectors -> the index written whole (store.py). One build of an index runs at a
time, whoever starts it (the CLI, the page, the API, a review apply): a lock
file beside the index, held for the whole build, which the kernel releases
however a process ends. Rebuilds reuse the vectors of views whose text has not
changed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from faqrag import __version__
from faqrag.errors import FaqragError, IndexStateError
from faqrag.index.manifest import FORMAT_VERSION, MANIFEST, check_files, read_manifest
from faqrag.index.store import check_target, faiss_module, load_index, write_index
from faqrag.index.swap import recover, remove_folder
from faqrag.limits import EMBED_ESTIMATE_TEXTS, EMBED_SAMPLE_TEXTS, EMBED_SECONDS_LIMIT, duration
from faqrag.models.embedder import Embedder, resolve_model
from faqrag.records import Chunk, Document
from faqrag.settings import ChunkSettings


class BuildBusy(IndexStateError):
    """Another build of the same index is running (and the caller would not wait)."""


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


def staged_path(index_dir: Path) -> Path:
    """Where a review apply builds the next index before it is confirmed (learn/staging.py)."""
    index_dir = Path(index_dir).absolute()
    return index_dir.parent / f".{index_dir.name}.staged"


def build_index(  # noqa: PLR0913  # the one build every caller uses: each keyword is a caller's real difference
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    *,
    chunk_settings: ChunkSettings | None = None,
    log: Callable[[str], None] = lambda _msg: None,
    warn: Callable[[str], None] | None = None,
    progress: bool = False,
    embed_seconds_limit: float | None = EMBED_SECONDS_LIMIT,
    wait: bool = True,
) -> BuildSummary:
    """Build the index of ``corpus_dir`` at ``index_dir`` and swap it in.

    ``log`` hears progress; ``warn`` (by default ``log``, marked) hears what the
    corpus files held that was left out. A build whose embedding is estimated to
    take over ``embed_seconds_limit`` stops before it starts (None: no limit).
    ``wait``: wait for another build of this index to finish first, or raise
    ``BuildBusy`` at once."""
    t0 = time.perf_counter()
    chunk_settings = chunk_settings or ChunkSettings()
    warn = warn or (lambda msg: log(f"warning: {msg}"))
    with build_lock(index_dir, wait=wait, log=log):
        documents, chunks, hashes = _parse(corpus_dir, chunk_settings, log, warn)
        check_target(index_dir)  # said before the embedding, not after it
        view_texts = [text for c in chunks for text, _ in c.views]
        cache = _reusable_vectors(index_dir, embedder)
        missing = sorted({t for t in view_texts if t not in cache})
        log(f"embedding {len(missing)} of {len(view_texts)} views with {embedder.model_id}")
        if missing:
            cache.update(_embed(missing, embedder, log, progress, embed_seconds_limit))
        dim = int(next(iter(cache.values())).shape[0])
        index = faiss_module().IndexFlatIP(dim)
        index.add(np.stack([cache[t] for t in view_texts]).astype(np.float32))
        manifest = {
            "format_version": FORMAT_VERSION,
            "model": {"id": embedder.model_id, "fingerprint": embedder.fingerprint(), "dimension": dim},
            "corpus": {"dir": str(corpus_dir.resolve()), "files": hashes},
            "chunking": chunk_settings.to_dict(),
            "counts": {"documents": len(documents), "chunks": len(chunks), "views": len(view_texts)},
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "package_version": __version__,
        }
        write_index(index_dir, manifest, documents, chunks, index)
        staged = staged_path(index_dir)
        if remove_folder(staged):  # a review apply's staged copy, killed or never confirmed: stale now
            log(f"removed {staged.name}, a staged index left by a review apply (apply the reviews again)")
    return BuildSummary(index_dir, len(documents), len(chunks), len(view_texts), len(missing), time.perf_counter() - t0)


def _parse(
    corpus_dir: Path, chunk_settings: ChunkSettings, log: Callable[[str], None], warn: Callable[[str], None]
) -> tuple[list[Document], list[Chunk], dict[str, str]]:
    """The corpus's documents and chunks (with their alternate phrasings), and the
    hash of every file read, each file read once."""
    # Deferred: loading an index (every question process) needs none of the parsing.
    from faqrag.ingest import alternates
    from faqrag.ingest.chunking import chunk_document
    from faqrag.ingest.corpus import read_corpus
    from faqrag.ingest.structured import block_counts

    corpus = read_corpus(corpus_dir, warn, section_max=chunk_settings.section_max_chars)
    documents: list[Document] = []
    chunks: list[Chunk] = []
    seen: set[str] = set()
    for doc, blocks in corpus.loaded:
        documents.append(doc)
        log(f"{doc.doc_id}: {block_counts(blocks)}")
        for c in chunk_document(doc, blocks, chunk_settings):
            if c.id not in seen:  # an identical block twice in one place adds nothing
                seen.add(c.id)
                chunks.append(c)
    left_out = corpus.left_out_line()
    if left_out:
        log(left_out)
    if not chunks:
        raise FaqragError(f"no chunks were made from {corpus_dir}; check the corpus files")
    chunks = alternates.attach(chunks, corpus.alternates, {d.doc_id: d.title for d in documents}, warn)
    log(f"parsed {len(documents)} document(s) into {len(chunks)} chunks")
    return documents, chunks, corpus.hashes


@contextmanager
def build_lock(index_dir: Path, *, wait: bool = True, log: Callable[[str], None] = lambda _m: None) -> Iterator[None]:
    """One build of ``index_dir`` at a time, across threads and processes: an flock
    on ``.<name>.build.lock`` beside it, which the kernel drops however its holder
    ends. ``wait`` False: ``BuildBusy`` at once if another build holds it.

    The holder removes the file before it lets go, so no lock file outlives a
    build; a waiter that then gets the lock of the removed file sees that it is no
    longer the one at the path, and takes the path's new one instead."""
    import fcntl

    target = index_dir.resolve()
    path = target.parent / f".{target.name}.build.lock"
    said = False
    while True:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as err:
            raise IndexStateError(
                f"cannot write the index at {index_dir} ({err.strerror}); pass --index a folder you can write"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                os.close(fd)
                raise BuildBusy(f"a build of {index_dir} is already running; wait for it to finish") from None
            if not said:
                log(f"waiting for another build of {index_dir} to finish")
                said = True
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            current = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            current = False
        if current:
            break
        os.close(fd)  # the file its holder removed on the way out: take the path's new one
    try:
        yield
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
        os.close(fd)


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
    recover(index_dir, MANIFEST)  # a build killed mid-swap left the index moved aside: its vectors still count
    if not (index_dir / MANIFEST).is_file():
        return {}  # a first build: under the build lock no swap is under way to wait out
    try:
        old = load_index(index_dir)
    except FaqragError:
        return {}
    model = old.manifest["model"]
    if model["id"] != embedder.model_id or model.get("fingerprint") != embedder.fingerprint():
        return {}
    texts = [text for c in old.chunks for text, _ in c.views]
    return dict(zip(texts, old.vectors))


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
