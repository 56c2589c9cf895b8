"""What the running server holds: the engine in use, swapped whole when a new
index is built, and why there is none if it could not load. The first load runs
in the background; a watcher thread follows the manifest and swaps in a new
build, refusing (with a logged reason) one that does not load."""

from __future__ import annotations

import copy
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from faqrag.engine import Engine
from faqrag.errors import FaqragError
from faqrag.learn import log_writer, qlog
from faqrag.models.embedder import model_name
from faqrag.serve.batching import MicroBatcher
from faqrag.serve.settings import ServeSettings
from faqrag.settings import Settings
from faqrag.text import without_paths

log = logging.getLogger("faqrag.serve")


@dataclass
class ServerState:
    """What the app holds: the engine in use (swapped whole), and why not, if none."""

    index_dir: Path
    corpus_dir: Path | None
    settings: Settings
    serve: ServeSettings
    token: str | None
    engine: Engine | None = None
    batcher: MicroBatcher | None = None
    error: str | None = None  # why there is no engine yet (a failed first load)
    last_refusal: str | None = None  # why the latest new index was not swapped in
    signature: tuple | None = None  # of the manifest the engine was loaded from
    swaps: int = 0
    embedder_factory: Any = None  # model id -> question embedder
    log_db: Path | None = None  # the question log; None: off
    log_writer: log_writer.BackgroundWriter | None = None  # writes it from a thread of its own
    stop: threading.Event = field(default_factory=threading.Event)
    reload_lock: threading.Lock = field(default_factory=threading.Lock)
    writer_lock: threading.Lock = field(default_factory=threading.Lock)

    def manifest_signature(self) -> tuple | None:
        try:
            st = os.stat(self.index_dir / "manifest.json")
        except OSError:
            return None  # missing, or a build is swapping folders this instant
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def __post_init__(self) -> None:
        # The server's own folders, resolved once here, so that public() reads no disk.
        # Not the home folder: "~/.cache/hf/models--x/..." would still say how the server is laid out.
        here = [(Path.cwd(), ""), (self.index_dir, self.index_dir.name)]
        if self.corpus_dir is not None:
            here.append((self.corpus_dir, self.corpus_dir.name))
        self._folders = {str(form): short for f, short in here for form in (f, f.resolve())}

    def public(self, message: str) -> str:
        """``message`` without the server's absolute paths, by its text alone: the index,
        corpus and model folders read as their names, paths in the working folder as
        relative ones, any other absolute path as its last part."""
        folders = dict(self._folders)
        if self.engine is not None:
            manifest = self.engine.stored.manifest
            for path in (manifest["corpus"]["dir"], manifest["model"]["id"]):
                if isinstance(path, str) and os.path.isabs(path):
                    folders[path] = Path(path).name
        return without_paths(message, folders)

    def load(self) -> None:
        """First load, in the background: index, model, a warm-up encode. Tried again by
        the watcher when the index changes, if it failed."""
        from faqrag.index.store import load_index

        try:
            sig = self.manifest_signature()
            self.signature = sig  # a failed load is retried when the manifest changes
            stored = load_index(self.index_dir)
            embedder = self.embedder_factory(stored.manifest["model"]["id"])
            engine = Engine(stored, embedder, self.settings)
            engine.warm_up()
            batcher = MicroBatcher(
                engine.embedder,
                max_batch=self.serve.max_micro_batch,
                wait_s=self.serve.batch_wait_ms / 1000,
                after_batch=self.log_batch,
                encoders=self.serve.encoders or 1,
            )
        except FaqragError as err:
            self.error = self.public(str(err))
            log.error("cannot serve: %s", err)
            return
        except Exception as err:  # a library's own error while loading; say what, not a traceback
            self.error = self.public(f"cannot load the index or the model ({type(err).__name__}: {err})")
            log.exception("cannot serve")
            return
        self.batcher = batcher
        self.engine, self.error = engine, None
        log.info("ready: %s chunks from %s", len(stored.chunks), public_manifest(stored.manifest)["corpus"]["dir"])

    def log_batch(self, answered: list[tuple[str, Any, bytes]]) -> None:
        """Hand a batch's questions to the log's own thread, once their answers are back."""
        if self.log_db is not None:
            self._writer().put([(q, resp) for q, resp, _ in answered])

    def log_feedback(self, feedback: log_writer.Feedback) -> None:
        """Feedback goes the same way, so it is written after the answer it names."""
        if self.log_db is not None:
            self._writer().put_feedback(feedback)

    def _writer(self) -> log_writer.BackgroundWriter:
        with self.writer_lock:  # the answering thread and a request's may both start it
            if self.log_writer is None:
                self.log_writer = log_writer.BackgroundWriter(self.log_db, "api", qlog.retention(self.settings))
        return self.log_writer

    def reload_if_changed(self) -> bool:
        """Swap in a new index if the manifest changed; True when one was swapped in."""
        with self.reload_lock:
            current = self.engine
            sig = self.manifest_signature()
            if current is None or sig is None or sig == self.signature:
                return False
            from faqrag.index.store import load_index

            try:
                stored = load_index(self.index_dir)
                engine = Engine(stored, current.embedder, self.settings)
                engine.rewriter.warm_up()  # here, not in the first question after the swap
                engine.handoff()
            except Exception as err:
                msg = str(err) if isinstance(err, FaqragError) else f"{type(err).__name__}: {err}"
                if self.manifest_signature() != sig:
                    return False  # another build swapped in meanwhile: try that one next tick, not refuse it
                self.signature = sig  # refuse this build once, not every tick; the next build is tried
                self.last_refusal = self.public(msg)
                log.error("new index refused, still serving the one built %s: %s", self.built_at(), msg)
                return False
            self.signature, self.engine = sig, engine  # one assignment: a request sees old or new, whole
            self.swaps += 1
            self.last_refusal = None
            log.info("swapped in the index built %s (%s chunks)", stored.manifest["built_at"], len(stored.chunks))
            return True

    def built_at(self) -> str | None:
        return self.engine.stored.manifest["built_at"] if self.engine else None

    def watch(self) -> None:
        while not self.stop.wait(self.serve.watch_interval_s):
            try:
                if self.engine is None and self.error and self.manifest_signature() != self.signature:
                    self.load()  # the first load failed; a new build may fix it
                else:
                    self.reload_if_changed()
            except Exception:  # the watcher must outlive any one bad build
                log.exception("index watcher")


def public_manifest(manifest: dict) -> dict:
    """The manifest without the server's absolute paths."""
    out = copy.deepcopy(manifest)
    out["corpus"]["dir"] = Path(out["corpus"]["dir"]).name
    model = out.get("model", {})
    if isinstance(model.get("id"), str):
        model["id"] = model_name(model["id"])
    return out
