"""Which embedder asks the questions: ONNX Runtime when it can run the model, else torch."""

from __future__ import annotations

from pathlib import Path

from faqrag import env
from faqrag.errors import FaqragError
from faqrag.models.embedder import DEFAULT_NAMES, Embedder, resolve_model


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
        from faqrag.models.torch_embedder import SentenceTransformerEmbedder

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
    from faqrag.models.torch_embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(model)
