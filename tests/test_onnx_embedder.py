"""The ONNX Runtime embedder: which models it takes, its cache, and (integration)
that it gives the sentence-transformers vectors without loading torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO

from faqrag.errors import FaqragError
from faqrag.models.choose import default_embedder
from faqrag.models.embedder import resolve_model
from faqrag.models.onnx_embedder import MODEL_FILE, OnnxEmbedder, optimised_path, unsupported_reason
from faqrag.models.torch_embedder import SentenceTransformerEmbedder


def st_folder(root: Path, *, pooling: dict | None = None, modules: list | None = None, tokenizer: bool = True) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    modules = modules or [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    (root / "modules.json").write_text(json.dumps(modules))
    (root / "1_Pooling").mkdir(exist_ok=True)
    pool = {"word_embedding_dimension": 8, "pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False}
    (root / "1_Pooling" / "config.json").write_text(json.dumps(pooling or pool))
    (root / "config.json").write_text(json.dumps({"hidden_size": 8}))
    if tokenizer:
        (root / "tokenizer.json").write_text("{}")
    return root


def test_a_plain_mean_pooling_model_is_supported(tmp_path):
    assert unsupported_reason(st_folder(tmp_path / "m")) is None


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"pooling": {"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False}}, "not mean pooling"),
        ({"pooling": {"pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": True}}, "not mean pooling"),
        (
            {
                "modules": [
                    {"path": "", "type": "sentence_transformers.models.Transformer"},
                    {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                    {"path": "2_Dense", "type": "sentence_transformers.models.Dense"},
                ]
            },
            "Dense",
        ),
        ({"tokenizer": False}, "tokenizer.json"),
    ],
)
def test_models_it_cannot_run_are_named(tmp_path, kwargs, words):
    folder = st_folder(tmp_path / "m", **kwargs)
    assert words in unsupported_reason(folder)
    with pytest.raises(FaqragError, match="FAQRAG_EMBEDDER=torch"):
        OnnxEmbedder(str(folder))


def test_a_folder_that_is_not_a_model_is_not_supported(tmp_path):
    assert "not a local sentence-transformers folder" in unsupported_reason(tmp_path)


def test_the_default_is_onnx_for_the_bundled_model_and_torch_on_request(monkeypatch):
    emb = default_embedder(None)
    st = SentenceTransformerEmbedder(None)
    assert isinstance(emb, OnnxEmbedder)  # cheap: nothing is loaded until the first encode
    assert (emb.model_id, emb.fingerprint(), emb.dimension()) == (st.model_id, st.fingerprint(), 384)
    monkeypatch.setenv("FAQRAG_EMBEDDER", "torch")
    assert isinstance(default_embedder(None), SentenceTransformerEmbedder)
    monkeypatch.setenv("FAQRAG_EMBEDDER", "tensorflow")
    with pytest.raises(FaqragError, match="FAQRAG_EMBEDDER"):
        default_embedder(None)


def test_a_model_it_cannot_run_falls_back_to_torch(tmp_path):
    folder = st_folder(tmp_path / "m", pooling={"pooling_mode_cls_token": True})
    assert isinstance(default_embedder(str(folder)), SentenceTransformerEmbedder)


def test_a_corrupt_cached_model_says_to_delete_it(tmp_path, monkeypatch):
    monkeypatch.setenv("FAQRAG_ONNX_CACHE", str(tmp_path))
    emb = OnnxEmbedder(None)
    emb.model_path.parent.mkdir(parents=True)
    emb.model_path.write_bytes(b"not an onnx model")
    with pytest.raises(FaqragError, match="delete it"):
        emb.encode(["a question"])


def test_a_corrupt_optimised_graph_says_to_delete_it(tmp_path, monkeypatch):
    monkeypatch.setenv("FAQRAG_ONNX_CACHE", str(tmp_path))
    emb = OnnxEmbedder(None)
    emb.model_path.parent.mkdir(parents=True)
    emb.model_path.write_bytes(b"not an onnx model")
    optimised_path(emb.model_path).write_bytes(b"truncated")
    with pytest.raises(FaqragError, match=r"\.ort-.*\.onnx .*delete it"):
        emb.encode(["a question"])


# ------------------------------------------------------------ integration


@pytest.mark.integration
def test_onnx_vectors_match_sentence_transformers_on_every_corpus_view(real_index, tmp_path, monkeypatch):
    """Exported from scratch into an empty cache, then compared with the index's own
    (sentence-transformers) vectors of every chunk view of the repo corpus."""
    from faqrag.index.store import load_index

    monkeypatch.setenv("FAQRAG_ONNX_CACHE", str(tmp_path / "cache"))
    stored = load_index(real_index)
    texts = [text for c in stored.chunks for text, _ in c.views]
    emb = OnnxEmbedder(None)
    vecs = emb.encode(texts, batch_size=32)
    cosines = (vecs * stored.vectors).sum(axis=1)
    assert cosines.min() >= 0.999, f"lowest cosine {cosines.min():.5f}"
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1, atol=1e-5)
    # The export and its optimised graph, and no temporary left.
    assert sorted(p.name for p in emb.model_path.parent.iterdir()) == sorted(
        [MODEL_FILE, optimised_path(emb.model_path).name]
    )
    assert (
        emb.model_id == stored.manifest["model"]["id"] and emb.fingerprint() == stored.manifest["model"]["fingerprint"]
    )


@pytest.mark.integration
def test_the_optimised_graph_computes_what_the_exported_one_does(real_index):
    """Sessions load the graph optimised once (optimise), not the export: the
    vectors must be the same to the bit, or answers would move."""
    import onnxruntime as ort

    from faqrag.index.store import load_index

    emb = OnnxEmbedder(None)
    texts = [text for c in load_index(real_index).chunks for text, _ in c.views][:64]
    plain = ort.InferenceSession(str(emb.model_path), providers=["CPUExecutionProvider"])
    tok = emb._tokenize()
    for group in [[t] for t in texts[:16]] + [texts]:  # one at a time, as asked, and a padded batch
        enc = tok.encode_batch(group)
        feeds = {
            "input_ids": np.array([e.ids for e in enc], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64),
        }
        assert emb._session().run(None, feeds)[0].tobytes() == plain.run(None, feeds)[0].tobytes()


@pytest.mark.integration
def test_answering_needs_no_torch_once_exported(real_index):
    OnnxEmbedder(None).encode(["export it if this machine has not yet"])
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from faqrag.engine import Engine\n"
        f"e = Engine.open(Path({str(real_index)!r}))\n"
        "r = e.ask('What is the support number in the UK?')\n"
        "assert '0800-048-0888' in r.answer.text, r.answer\n"
        "assert type(e.embedder).__name__ == 'OnnxEmbedder'\n"
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    env.pop("FAQRAG_EMBEDDER", None)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"


def test_resolve_model_is_shared():
    # Both embedders resolve names the same way, so their ids always agree.
    assert resolve_model(None)[0] == OnnxEmbedder(None).model_id


@pytest.mark.integration
def test_a_cache_where_the_optimised_graph_cannot_be_saved_still_serves(tmp_path, monkeypatch):
    """An export baked into a read-only image (or made by an older faqrag): the
    graph is optimised at load instead, with the same vectors."""
    import shutil

    from faqrag.models import onnx_embedder

    source = OnnxEmbedder(None)
    source.ensure_exported()
    want = source.encode(["a question", "another, longer question about numbers"])
    exported = source.model_path  # in the usual cache, read before the cache moves
    monkeypatch.setenv("FAQRAG_ONNX_CACHE", str(tmp_path))
    emb = OnnxEmbedder(None)
    emb.model_path.parent.mkdir(parents=True)
    shutil.copy(exported, emb.model_path)

    def cannot_write(src, target):
        raise PermissionError(13, "Read-only file system", str(target))

    monkeypatch.setattr(onnx_embedder, "optimise", cannot_write)
    got = emb.encode(["a question", "another, longer question about numbers"])
    assert np.allclose(got, want, atol=1e-6)
    assert not optimised_path(emb.model_path).exists()
