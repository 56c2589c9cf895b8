"""The index on disk: contents, checks on load, incremental and atomic builds."""

import json

import numpy as np
import pytest

from faqrag.errors import IndexStateError
from faqrag.store import FORMAT_VERSION, build_index, check_model, load_index, stale_files


def test_build_writes_faiss_json_and_a_complete_manifest(built_index, guide_corpus):
    names = sorted(p.name for p in built_index.iterdir())
    assert names == ["README.md", "chunks.jsonl", "documents.json", "manifest.json", "vectors.faiss"]
    m = json.loads((built_index / "manifest.json").read_text())
    assert m["format_version"] == FORMAT_VERSION
    assert m["model"] == {"id": "fake-hash-64", "fingerprint": "fake-hash-64-v1", "dimension": 64}
    assert list(m["corpus"]["files"]) == ["acme-help.txt"]
    assert m["chunking"] == {"max_chars": 700}
    assert m["counts"]["chunks"] == len((built_index / "chunks.jsonl").read_text().splitlines())
    assert m["built_at"].endswith("Z") and m["package_version"]


def test_load_round_trip(built_index, fake_embedder):
    stored = load_index(built_index)
    assert stored.vectors.shape == (stored.manifest["counts"]["views"], 64)
    # Row i of the matrix is the embedding of view i's text.
    text, _ = stored.chunks[0].views[0]
    assert np.allclose(stored.vectors[0], fake_embedder.encode([text])[0])
    kinds = {c.kind for c in stored.chunks}
    assert {"section", "entry", "faq"} <= kinds


def test_chunk_ids_are_stable_across_builds(tmp_path, guide_corpus, fake_embedder):
    a = build_index(guide_corpus, tmp_path / "a", fake_embedder)
    b = build_index(guide_corpus, tmp_path / "b", fake_embedder)
    assert a.chunks == b.chunks
    ids_a = [c.id for c in load_index(tmp_path / "a").chunks]
    assert ids_a == [c.id for c in load_index(tmp_path / "b").chunks]
    assert len(set(ids_a)) == len(ids_a)


def test_rebuild_embeds_only_changed_text(built_index, guide_corpus, fake_embedder):
    guide = guide_corpus / "acme-help.txt"
    guide.write_text(guide.read_text().replace("ten seconds", "twelve seconds"))
    fake_embedder.calls.clear()
    summary = build_index(guide_corpus, built_index, fake_embedder)
    assert 0 < summary.embedded <= 2  # the FAQ's question view is unchanged, its whole view is new
    assert fake_embedder.calls == [summary.embedded]
    assert any("twelve seconds" in c.text for c in load_index(built_index).chunks)


class Exploding:
    """An embedder that fails half-way through a build."""

    def __init__(self, inner):
        self.inner, self.model_id = inner, inner.model_id

    def fingerprint(self):
        return "another-fingerprint"  # forces re-embedding everything

    def dimension(self):
        return self.inner.dimension()

    def encode(self, texts, **kw):
        raise RuntimeError("disk on fire")


def test_failed_build_leaves_previous_index_and_no_temp_folders(built_index, guide_corpus, fake_embedder):
    before = {p.name: p.read_bytes() for p in built_index.iterdir()}
    (guide_corpus / "acme-help.txt").write_text("Changed\n\nNew text entirely, nothing like before.\n")
    with pytest.raises(RuntimeError, match="disk on fire"):
        build_index(guide_corpus, built_index, Exploding(fake_embedder))
    assert {p.name: p.read_bytes() for p in built_index.iterdir()} == before
    assert sorted(p.name for p in built_index.parent.iterdir()) == ["corpus", "index"]
    load_index(built_index)  # still usable


def test_missing_corrupt_and_foreign_indexes_are_clear_errors(built_index, tmp_path, fake_embedder):
    with pytest.raises(IndexStateError, match=r"no index at .*; build it with 'faqrag build"):
        load_index(tmp_path / "nowhere")

    manifest = built_index / "manifest.json"
    good = manifest.read_text()
    data = json.loads(good)
    data["format_version"] = 99
    manifest.write_text(json.dumps(data))
    with pytest.raises(IndexStateError, match="has format 99 but this faqrag reads format"):
        load_index(built_index)
    manifest.write_text("{not json")
    with pytest.raises(IndexStateError, match="corrupt .*rebuild it"):
        load_index(built_index)
    manifest.write_text(good)

    (built_index / "vectors.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexStateError, match="vectors.faiss cannot be read"):
        load_index(built_index)


def test_index_from_another_model_is_refused(built_index):
    from conftest import FakeEmbedder

    stored = load_index(built_index)
    with pytest.raises(IndexStateError, match="built with model 'fake-hash-64', not 'other-model'"):
        check_model(stored, FakeEmbedder(model_id="other-model"))


def test_stale_files_reports_changes(built_index, guide_corpus):
    manifest = load_index(built_index).manifest
    assert stale_files(manifest, guide_corpus) == []
    (guide_corpus / "new.csv").write_text("question,answer\nQ?,A.\n")
    (guide_corpus / "acme-help.txt").write_text("Different\n\nText of the guide.\n")
    assert stale_files(manifest, guide_corpus) == ["acme-help.txt", "new.csv"]


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("documents.json", "{}", "names a document documents.json does not hold"),
        ("documents.json", "[1, 2]", "unreadable"),
        ("chunks.jsonl", '{"id": 1}\n', "unreadable"),
    ],
)
def test_corrupt_chunks_or_documents_are_clear_errors(built_index, name, content, message):
    (built_index / name).write_text(content)
    with pytest.raises(IndexStateError, match=message):
        load_index(built_index)


def test_manifest_missing_what_info_reads_is_corrupt(built_index):
    from faqrag.store import read_manifest

    manifest = built_index / "manifest.json"
    data = json.loads(manifest.read_text())
    del data["corpus"]
    manifest.write_text(json.dumps(data))
    with pytest.raises(IndexStateError, match="manifest.json is unreadable"):
        read_manifest(built_index)
