"""The same sentence-transformers model run by ONNX Runtime: fast start, no torch at answer time.

A sentence-transformers folder of the plain kind (a Transformer, mean pooling,
optional Normalize) is exported once to ONNX with torch (the only time torch is
needed), cached by the weights' fingerprint and written atomically; after that a
process needs only onnxruntime, tokenizers and numpy. Pooling and L2
normalisation are done here in numpy, as sentence-transformers does them.
The embedder reports the same ``model_id`` and ``fingerprint`` as
``SentenceTransformerEmbedder``, so indexes built with either serve both.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from faqrag import env
from faqrag.errors import FaqragError
from faqrag.files import atomic_path
from faqrag.limits import read_json, shown
from faqrag.models.embedder import resolve_model, weights_fingerprint

MODEL_FILE = "model.onnx"
QUANTISED_FILE = "model.int8.onnx"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_SUPPORTED = {
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
}
_SESSIONS: dict[str, object] = {}  # one session per model file per process, whoever asks
_SESSION_LOCK = threading.Lock()


def cache_root() -> Path:
    """Where exported models live: ``FAQRAG_ONNX_CACHE``, else inside the venv (writable
    where faqrag was installed), else the user's cache folder."""
    return env.onnx_cache()


def unsupported_reason(folder: Path) -> str | None:
    """Why this model folder cannot run here, or None when it can."""
    try:
        modules = read_json(folder / "modules.json")
        pooling = next(m for m in modules if m["type"].endswith(".Pooling"))
        pool_cfg = read_json(folder / pooling["path"] / "config.json")
        _settings(folder)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, StopIteration):
        return "it is not a local sentence-transformers folder with mean pooling"
    other = sorted({m.get("type", "?") for m in modules} - _SUPPORTED)
    if other:
        return f"it has modules this runner does not implement ({', '.join(other)})"
    mean_only = pool_cfg.get("pooling_mode_mean_tokens") and not any(
        v for k, v in pool_cfg.items() if k.startswith("pooling_mode_") and k != "pooling_mode_mean_tokens"
    )
    if not mean_only:
        return "its pooling is not mean pooling"
    if not (folder / "tokenizer.json").exists():
        return "it has no tokenizer.json"
    return None


def _settings(folder: Path) -> tuple[bool, int, int]:
    """Whether the model normalises, its longest input and its dimension, from its JSON
    files (each read capped, through the bounded loader); ValueError, TypeError or
    KeyError when they are not what a sentence-transformers folder holds."""
    normalise = any(m["type"].endswith(".Normalize") for m in read_json(folder / "modules.json"))
    st_cfg = folder / "sentence_bert_config.json"
    max_len = read_json(st_cfg).get("max_seq_length", 256) if st_cfg.exists() else 256
    dimension = read_json(folder / "config.json")["hidden_size"]
    for value in (max_len, dimension):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100_000:
            raise ValueError(f"{shown(value)} is not a size")
    return normalise, max_len, dimension


class OnnxEmbedder:
    """A sentence-transformers model run by ONNX Runtime; exported on first use if needed."""

    def __init__(self, model: str | None = None, *, quantised: bool = False, threads: int | None = None):
        self.model_id, location = resolve_model(model)
        self._folder = Path(location)
        reason = unsupported_reason(self._folder)
        if reason:
            raise FaqragError(
                f"model '{self.model_id}' cannot run on ONNX Runtime: {reason}; set FAQRAG_EMBEDDER=torch"
            )
        self._quantised = quantised
        self._threads = threads
        self._fingerprint = weights_fingerprint(self._folder)
        self._tokenizer = None
        self._tokenizer_lock = threading.Lock()
        self._normalise, self._max_len, self._dimension = _settings(self._folder)

    def fingerprint(self) -> str | None:
        return self._fingerprint

    def dimension(self) -> int:
        return self._dimension

    @property
    def model_path(self) -> Path:
        folder = cache_root() / (self._fingerprint or "unversioned")
        return folder / (QUANTISED_FILE if self._quantised else MODEL_FILE)

    def ensure_exported(self) -> Path:
        """Export (quantise, optimise) the model into the cache unless it is there;
        the path of the file sessions load."""
        path = self.model_path
        if not (path.parent / MODEL_FILE).exists():
            export(self._folder, path.parent / MODEL_FILE)
        if not path.exists():
            quantise(path.parent / MODEL_FILE, path)
        optimised = optimised_path(path)
        if not optimised.exists():
            try:
                optimise(path, optimised)
            except OSError as err:  # a read-only cache (an image baked elsewhere): optimise at load instead
                logging.getLogger("faqrag").warning(
                    "cannot save the optimised model beside %s (%s); optimising at every start", path, err
                )
                return path
        return optimised

    def preload(self) -> threading.Thread:
        """Start loading the model in a thread, so a caller can load the index meanwhile
        (the library releases the interpreter while it reads the file). A failure here is
        raised again, in the caller's thread, by the first ``encode``."""

        def load() -> None:
            try:
                self._session()
                self._tokenize()
            except Exception:
                pass

        thread = threading.Thread(target=load, name="faqrag-model-load", daemon=True)
        thread.start()
        return thread

    def _session(self):
        path = self.model_path
        key = f"{path}@{self._threads}"
        session = _SESSIONS.get(key)
        if session is not None:
            return session
        with _SESSION_LOCK:
            return _SESSIONS.get(key) or self._load_session(path, key)

    def _load_session(self, path: Path, key: str):
        try:
            import onnxruntime as ort
        except ImportError:
            raise FaqragError("onnxruntime is not installed; run 'pip install onnxruntime'") from None
        path = self.ensure_exported()
        opts = ort.SessionOptions()
        # Optimised once already (see optimise); what is left at load are layout
        # changes for convolutions, which a text transformer has none of. A model
        # that could not be saved optimised is optimised here, as optimise would.
        level = "ORT_ENABLE_EXTENDED" if path == self.model_path else "ORT_DISABLE_ALL"
        opts.graph_optimization_level = getattr(ort.GraphOptimizationLevel, level)
        if self._threads:
            opts.intra_op_num_threads = self._threads
        opts.log_severity_level = 3
        # Idle threads sleep instead of spinning: on a shared or small machine a spinning
        # pool takes the CPU that the server's other threads (and other processes) need.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        except Exception as err:  # onnxruntime raises its own kinds; all mean "this file is bad"
            raise FaqragError(
                f"cannot load the ONNX model at {path} ({type(err).__name__}); delete it to export it again"
            ) from None
        _SESSIONS[key] = session
        return session

    def load(self) -> None:
        """Load the model now, or wait for ``preload``'s thread to finish loading it.
        The tokenizer first: a caller arriving while the thread loads the session
        loads it meanwhile, instead of waiting for the thread to do it after."""
        self._tokenize()
        self._session()

    def _tokenize(self):
        if self._tokenizer is None:
            with self._tokenizer_lock:  # a caller arriving mid-preload waits rather than loads it twice
                if self._tokenizer is None:
                    try:
                        from tokenizers import Tokenizer
                    except ImportError:
                        raise FaqragError("tokenizers is not installed; run 'pip install tokenizers'") from None

                    tok = Tokenizer.from_file(str(self._folder / "tokenizer.json"))
                    tok.enable_truncation(max_length=self._max_len)
                    tok.enable_padding()
                    self._tokenizer = tok
        return self._tokenizer

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        texts = list(texts)
        session, tok = self._session(), self._tokenize()
        wanted = {i.name for i in session.get_inputs()}
        out = np.zeros((len(texts), self.dimension()), dtype=np.float32)
        # Longest first, as sentence-transformers does, so each batch pads little.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            enc = tok.encode_batch([texts[i] for i in rows])
            feeds = {
                "input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64),
            }
            hidden = session.run(None, {k: v for k, v in feeds.items() if k in wanted})[0]
            mask = feeds["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            if self._normalise:
                pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            out[rows] = pooled
        return out


def export(folder: Path, target: Path) -> None:
    """Export the model's transformer to ONNX at ``target``, atomically (needs torch)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        import torch
        from transformers import AutoModel
        from transformers.utils import logging as hf_logging
    except ImportError:
        raise FaqragError("exporting the model to ONNX needs torch and transformers; run 'make install'") from None
    import logging
    import warnings

    hf_logging.disable_progress_bar()
    logging.getLogger("faqrag").info("exporting %s to ONNX (once, a few seconds) into %s", folder.name, target.parent)

    target.parent.mkdir(parents=True, exist_ok=True)
    model = AutoModel.from_pretrained(str(folder), attn_implementation="eager").eval()

    class Hidden(torch.nn.Module):  # the transformer's last hidden state; pooling is done in numpy
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    dummy = tuple(torch.ones((2, 8), dtype=torch.long) for _ in INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")}
    with atomic_path(target) as tmp, warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer warnings about shapes that dynamic axes cover
        torch.onnx.export(
            Hidden(model),
            dummy,
            str(tmp),
            input_names=list(INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


def optimised_path(model: Path) -> Path:
    """Where a model's optimised graph is cached: beside it, named for the
    onnxruntime that made it (another version may fuse differently)."""
    import onnxruntime as ort

    return model.with_name(f"{model.stem}.ort-{ort.__version__}.onnx")


def optimise(source: Path, target: Path) -> None:
    """onnxruntime's graph optimisations (constant folding, attention and layer-norm
    fusions) run once and saved, atomically: a session loading the result skips
    them, a fifth of its start, and computes the same numbers. The extended level
    is the highest whose result does not depend on this machine's CPU."""
    import onnxruntime as ort

    try:
        with atomic_path(target) as tmp:
            opts = ort.SessionOptions()
            opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
            opts.optimized_model_filepath = str(tmp)
            opts.log_severity_level = 3
            ort.InferenceSession(str(source), opts, providers=["CPUExecutionProvider"])
    except Exception as err:  # onnxruntime raises its own kinds; all mean "this file is bad"
        raise FaqragError(
            f"cannot load the ONNX model at {source} ({type(err).__name__}); delete it to export it again"
        ) from None


def quantise(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation of an exported model, written atomically."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with atomic_path(target) as tmp:
        quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8)
