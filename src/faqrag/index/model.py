"""The embedder an index's questions are asked with."""

from __future__ import annotations

from pathlib import Path

from faqrag.index.manifest import read_manifest
from faqrag.models import choose
from faqrag.models.embedder import Embedder


def for_index(index_dir: Path, model: str | None = None) -> Embedder:
    """The embedder an index's questions are asked with (its manifest's model, or
    ``model``, which loading then checks against it), already loading in a thread
    where it can: a caller imports and loads everything else meanwhile."""
    embedder = choose.default_embedder(model or read_manifest(index_dir)["model"]["id"], from_index=model is None)
    preload = getattr(embedder, "preload", None)
    if preload:
        preload()
    return embedder
