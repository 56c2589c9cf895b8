"""The index on disk: contents, checks on load, incremental and atomic builds."""

import json

import numpy as np
import pytest

from faqrag.errors import FaqragError, IndexStateError
from faqrag.index.build import build_index, stale_files
from faqrag.index.manifest import FORMAT_VERSION
from faqrag.index.store import check_model, load_index


def test_build_writes_faiss_json_and_a_complete_manifest(built_index, guide_corpus):
    names = sorted(p.name for p in built_index.iterdir())
    assert names == ["README.md", "chunks.jsonl", "documents.json", "manifest.json", "vectors.faiss"]
    m = json.loads((built_index / "manifest.json").read_text())
    assert m["format_version"] == FORMAT_VERSION
    assert m["model"] == {"id": "fake-hash-64", "fingerprint": "fake-hash-64-v1", "dimension": 64}
    assert list(m["corpus"]["files"]) == ["acme-help.txt"]
    assert m["chunking"] == {"max_chars": 700, "section_max_chars": 1200}
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

    (built_index / "vectors.faiss").write_bytes(b"garbage" * 10_000)
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
        ("chunks.jsonl", '{"id": 1}\n' * 100, "unreadable"),
    ],
)
def test_corrupt_chunks_or_documents_are_clear_errors(built_index, name, content, message):
    (built_index / name).write_text(content)
    with pytest.raises(IndexStateError, match=message):
        load_index(built_index)


def test_manifest_missing_what_info_reads_is_corrupt(built_index):
    from faqrag.index.manifest import read_manifest

    manifest = built_index / "manifest.json"
    data = json.loads(manifest.read_text())
    del data["corpus"]
    manifest.write_text(json.dumps(data))
    with pytest.raises(IndexStateError, match="manifest.json has no field corpus.dir"):
        read_manifest(built_index)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda m: m.update(format_version="1"), "its format_version is '1', not a whole number"),
        (lambda m: m.update(format_version=None), "its format_version is None, not a whole number"),
        (lambda m: m["model"].update(id=42), "manifest.json field model.id is 42, not text"),
        (lambda m: m["model"].update(dimension="64"), "field model.dimension is '64', not a whole number"),
        (lambda m: m["counts"].update(views=True), "field counts.views is True, not a whole number"),
        (lambda m: m["corpus"].update(files=["a.txt"]), "field corpus.files is ['a.txt'], not an object"),
        (lambda m: m["corpus"].update(files={"a.txt": 1}), "corpus.files must map file names to hashes"),
        (lambda m: m.update(model="all-MiniLM-L6-v2"), "manifest.json has no field model.id"),
        (lambda m: m.update(built_at=["x" * 500]), "field built_at is ['xxx"),
        (lambda m: m.update(built_at="\x1b]0;pwned\x07"), "field built_at holds a control character"),
    ],
)
def test_every_manifest_field_read_is_type_checked(built_index, change, message):
    from faqrag.index.manifest import read_manifest

    manifest = built_index / "manifest.json"
    data = json.loads(manifest.read_text())
    change(data)
    manifest.write_text(json.dumps(data))
    with pytest.raises(IndexStateError) as err:
        read_manifest(built_index)
    assert message in str(err.value) and "rebuild it" in str(err.value) and len(str(err.value)) < 400


@pytest.mark.parametrize("content", ["[" * 100_000, '{"format_version": NaN}', "[]", "\udcff"])
def test_hostile_manifest_is_corrupt_not_a_crash(built_index, content):
    from faqrag.index.manifest import read_manifest

    (built_index / "manifest.json").write_bytes(content.encode("utf-8", "surrogateescape"))
    with pytest.raises(IndexStateError, match="is corrupt"):
        read_manifest(built_index)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda d: (d / "vectors.faiss").unlink(), "vectors.faiss is missing"),
        (lambda d: (d / "vectors.faiss").write_bytes((d / "vectors.faiss").read_bytes()[:-4]), "cannot be read"),
        (lambda d: (d / "vectors.faiss").write_bytes((d / "vectors.faiss").read_bytes()[:999]), "too small"),
        (lambda d: (d / "chunks.jsonl").unlink(), "chunks.jsonl is missing"),
        (lambda d: (d / "documents.json").write_text(""), "documents.json is 0 bytes"),
        (lambda d: (d / "chunks.jsonl").write_text('{"id": "x"' * 100 + "[" * 100_000), "unreadable"),
    ],
)
def test_missing_or_truncated_index_files_are_corrupt_everywhere(built_index, guide_corpus, damage, message):
    from faqrag.index.build import needs_build

    damage(built_index)
    with pytest.raises(IndexStateError, match=message):
        load_index(built_index)
    if message not in ("unreadable", "cannot be read"):  # needs_build judges sizes only; loading reads all
        assert "the index is corrupt" in needs_build(built_index, guide_corpus, "fake-hash-64")


def test_build_refuses_to_replace_what_is_not_an_index(tmp_path, guide_corpus, fake_embedder):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    with pytest.raises(IndexStateError, match="is not a faqrag index .*'thesis.tex'.*pass --index a new folder"):
        build_index(guide_corpus, mine, fake_embedder)
    assert (mine / "thesis.tex").read_text() == "years of work"
    (tmp_path / "file").write_text("x")
    with pytest.raises(IndexStateError, match="is a file; pass --index a folder"):
        build_index(guide_corpus, tmp_path / "file", fake_embedder)
    with pytest.raises(IndexStateError, match="is a file, not an index folder"):
        load_index(tmp_path / "file")
    (mine / "manifest.json").write_text('{"name": "a web app", "icons": []}')  # not faqrag's manifest
    with pytest.raises(IndexStateError, match="is not a faqrag index"):
        build_index(guide_corpus, mine, fake_embedder)
    # The index folder a clone carries (its README only) and an empty one are fine.
    for name in ("fresh", "cloned"):
        (tmp_path / name).mkdir()
    (tmp_path / "cloned" / "README.md").write_text("# index/\n")
    for name in ("fresh", "cloned"):
        build_index(guide_corpus, tmp_path / name, fake_embedder)
        load_index(tmp_path / name)
    # An index holding a file some other version wrote is still an index.
    (tmp_path / "fresh" / "lexical.npz").write_bytes(b"x")
    build_index(guide_corpus, tmp_path / "fresh", fake_embedder)
    assert not (tmp_path / "fresh" / "lexical.npz").exists()


def test_recovery_puts_back_an_index_moved_aside(built_index):
    """What a build killed between the two renames of its swap leaves."""
    aside = built_index.parent / ".index.old-abc123"
    built_index.rename(aside)
    (built_index.parent / ".index.building-def456").mkdir()  # a dead build's half-written folder
    stored = load_index(built_index)
    assert stored.chunks and not aside.exists()


class Slow:
    """The fake embedder at a known speed, for the time estimate."""

    def __init__(self, inner, per_text):
        self.inner, self.per_text, self.model_id = inner, per_text, inner.model_id
        self.encoded = 0

    def fingerprint(self):
        return self.inner.fingerprint()

    def dimension(self):
        return self.inner.dimension()

    def encode(self, texts, **kw):
        import time

        time.sleep(self.per_text * len(texts))
        self.encoded += len(texts)
        return self.inner.encode(texts)


def test_a_long_embedding_is_estimated_and_refused_before_it_starts(monkeypatch, tmp_path, guide_corpus, fake_embedder):
    import faqrag.index.build

    monkeypatch.setattr(faqrag.index.build, "EMBED_ESTIMATE_TEXTS", 10)
    monkeypatch.setattr(faqrag.index.build, "EMBED_SAMPLE_TEXTS", 5)
    slow = Slow(fake_embedder, per_text=0.01)
    said = []
    with pytest.raises(FaqragError, match=r"would take about \d+ s, over the \d+ s .*'faqrag build --yes'"):
        build_index(guide_corpus, tmp_path / "ix", slow, log=said.append, embed_seconds_limit=0.05)
    assert slow.encoded <= 5 and not (tmp_path / "ix").exists()
    assert any("will take about" in m for m in said)
    summary = build_index(guide_corpus, tmp_path / "ix", slow, embed_seconds_limit=None)
    stored = load_index(tmp_path / "ix")
    assert summary.views == len(stored.vectors)
    assert summary.embedded == len({t for c in stored.chunks for t, _ in c.views})  # each distinct text once
    stored = load_index(tmp_path / "ix")
    texts = [text for c in stored.chunks for text, _ in c.views]
    assert np.allclose(stored.vectors, fake_embedder.encode(texts))  # sample and rest put back in order


def test_a_huge_manifest_is_not_read_whole(built_index, monkeypatch):
    import faqrag.index.manifest

    monkeypatch.setattr(faqrag.index.manifest, "MAX_MANIFEST_BYTES", 100)
    with pytest.raises(IndexStateError, match="manifest.json is unreadable: it is over 0 MiB"):
        load_index(built_index)


def test_the_section_size_is_a_chunk_setting_so_changing_it_means_a_rebuild(tmp_path, guide_corpus, fake_embedder):
    from faqrag.index.build import needs_build
    from faqrag.settings import ChunkSettings

    build_index(guide_corpus, tmp_path / "ix", fake_embedder, chunk_settings=ChunkSettings(section_max_chars=1))
    kinds = {c.kind for c in load_index(tmp_path / "ix").chunks}
    assert "section" not in kinds  # no heading's body is that short: none is one unit
    assert needs_build(tmp_path / "ix", guide_corpus, None) == "chunk settings changed"
    build_index(guide_corpus, tmp_path / "ix", fake_embedder)
    assert "section" in {c.kind for c in load_index(tmp_path / "ix").chunks}
    assert needs_build(tmp_path / "ix", guide_corpus, None) is None
