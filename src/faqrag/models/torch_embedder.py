"""The model run by sentence-transformers (torch): what builds use, and questions
when ONNX Runtime cannot run the model."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from faqrag.errors import FaqragError
from faqrag.models.embedder import DEFAULT_NAMES, resolve_model, weights_fingerprint

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
