"""Files faqrag keeps are read and written only inside their folder.

Every file faqrag opens in the corpus (alternates.jsonl, reviewed-faq.csv),
beside the labelled sets (eval/reviewed.jsonl, eval/sets.json and the files it
names), in the index (calibration.json) and beside it (logs.db and SQLite's
own files) is tried as each kind of link that leads elsewhere: a link to a file
outside, a relative link climbing out with "..", a chain of links inside that
ends outside, a dangling link (writing would create the file outside), a link
loop, a hard link and a FIFO. Nothing outside is ever read into the index or
changed; each is a warning (a build leaves the file out) or a one-line error.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from faqrag.errors import FaqragError

SECRET = '{"question": "secret?", "doc": "g.txt", "target": "Title"}\nroot:x:0:0:root:/root:/bin/bash\n'
KINDS = ["absolute", "dotdot", "chain", "dangling", "loop", "hardlink", "fifo"]


@pytest.fixture
def outside(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("elsewhere")  # beside the test's folder, not in it
    (folder / "secret").write_text(SECRET, encoding="utf-8")
    return folder


def plant(path: Path, kind: str, outside: Path) -> Path | None:
    """Make ``path`` the kind of link; returns the file outside that must stay as it is."""
    path.parent.mkdir(parents=True, exist_ok=True)
    target = outside / "secret"
    if kind == "absolute":
        path.symlink_to(target)
    elif kind == "dotdot":
        path.symlink_to(os.path.relpath(target, path.parent))
    elif kind == "chain":
        (path.parent / ".hop").symlink_to(target)
        path.symlink_to(".hop")
    elif kind == "dangling":
        target = outside / "not-yet"
        path.symlink_to(target)
    elif kind == "loop":
        (path.parent / ".loop").symlink_to(path.name)
        path.symlink_to(".loop")
        return None
    elif kind == "hardlink":
        os.link(target, path)
    elif kind == "fifo":
        os.mkfifo(path)
        return None
    return target


def unchanged(target: Path | None) -> bool:
    if target is None:
        return True
    if target.name == "not-yet":
        return not target.exists()
    return target.read_text(encoding="utf-8") == SECRET


def one_line(err: BaseException) -> bool:
    return isinstance(err, FaqragError) and "\n" not in str(err)


# ------------------------------------------------------------ the corpus


@pytest.mark.parametrize("kind", KINDS)
def test_alternates_linked_elsewhere_are_left_out_of_a_build(tmp_path, guide_corpus, outside, kind):
    from faqrag.ingest.corpus import file_hashes, read_corpus

    plant(guide_corpus / "alternates.jsonl", kind, outside)
    said: list[str] = []
    try:
        corpus = read_corpus(guide_corpus, said.append)
    except FaqragError as err:  # a hard link is read as the file it is, which is no alternates file
        assert kind == "hardlink" and one_line(err) and "alternates.jsonl" in str(err), err
        return
    assert all(a.question != "secret?" for a in corpus.alternates)
    if kind in ("absolute", "dotdot", "chain", "dangling", "loop"):
        assert any("alternates.jsonl: left out, it links outside the corpus folder" in w for w in said), said
        assert "alternates.jsonl" not in file_hashes(guide_corpus)


@pytest.mark.parametrize("kind", KINDS)
def test_review_decisions_never_write_through_a_link(tmp_path, guide_corpus, built_index, fake_embedder, outside, kind):
    from faqrag.index.store import load_index
    from faqrag.learn import review

    stored = load_index(built_index)
    chunk = stored.chunks[0]
    title = stored.documents[chunk.doc].title
    reviewed = tmp_path / "eval" / "reviewed.jsonl"
    decisions = {
        "alternates.jsonl": lambda: review.link(guide_corpus, reviewed, ["How?"], chunk, stored.chunks, title),
        "reviewed-faq.csv": lambda: review.new_entry(guide_corpus, reviewed, ["How?"], "How?", "Like this."),
    }
    for name, decide in decisions.items():
        target = plant(guide_corpus / name, kind, outside)
        with pytest.raises(FaqragError) as err:
            decide()
        assert one_line(err.value) and name in str(err.value), (name, err.value)
        assert unchanged(target), name
        (guide_corpus / name).unlink()
        for hop in (".hop", ".loop"):
            (guide_corpus / hop).unlink(missing_ok=True)


def test_a_corpus_folder_linked_as_a_whole_is_the_corpus(tmp_path, guide_corpus):
    """The folder named is where it points: only links inside it are checked."""
    from faqrag.learn import review

    link = tmp_path / "corpus-link"
    link.symlink_to(guide_corpus)
    review.new_entry(link, tmp_path / "eval" / "reviewed.jsonl", ["How?"], "How?", "Like this.")
    assert "How?,Like this." in (guide_corpus / "reviewed-faq.csv").read_text(encoding="utf-8")


def test_corpus_files_in_a_folder_linked_elsewhere_are_left_out(tmp_path, guide_corpus, outside):
    from faqrag.ingest.corpus import read_corpus

    (outside / "more.txt").write_text("Elsewhere\n\nNothing from here is read.\n", encoding="utf-8")
    (guide_corpus / "sub").symlink_to(outside)
    (guide_corpus / "up").symlink_to("..")
    said: list[str] = []
    corpus = read_corpus(guide_corpus, said.append)
    assert all("Nothing from here" not in doc.text for doc, _ in corpus.loaded)
    assert sum("links outside the corpus folder" in w for w in said) == 2, said


# ------------------------------------------------------------ the labelled sets


@pytest.mark.parametrize("kind", KINDS)
def test_the_reviewed_set_is_never_read_or_written_through_a_link(tmp_path, guide_corpus, outside, kind):
    from faqrag.learn import review
    from faqrag.learn.staging import labelled_sets

    reviewed = tmp_path / "eval" / "reviewed.jsonl"
    target = plant(reviewed, kind, outside)
    with pytest.raises(FaqragError) as err:
        review.not_covered(reviewed, ["Is it covered?"])
    assert one_line(err.value) and "reviewed.jsonl" in str(err.value)
    assert unchanged(target)
    try:
        found = labelled_sets(guide_corpus, None, reviewed)
    except FaqragError as err:
        assert one_line(err) and "reviewed.jsonl" in str(err)
    else:
        assert found == [] or kind == "hardlink", found  # a hard link cannot be told from the file


@pytest.mark.parametrize("kind", ["absolute", "dotdot", "chain", "loop", "fifo"])
def test_a_sets_registry_linked_elsewhere_is_refused(tmp_path, guide_corpus, outside, kind):
    from faqrag.learn.staging import labelled_sets

    (outside / "secret").write_text('[{"name": "x", "corpus": "corpus", "questions": "../../etc/passwd"}]')
    registry = tmp_path / "eval" / "sets.json"
    plant(registry, kind, outside)
    try:
        found = labelled_sets(guide_corpus, registry, None)
    except FaqragError as err:
        assert one_line(err.value if hasattr(err, "value") else err) and "sets.json" in str(err)
    else:
        assert found == [] and kind == "fifo", found


@pytest.mark.parametrize(
    "questions", ["../../etc/passwd", "/etc/passwd", "eval/link.jsonl"], ids=["dotdot", "absolute", "link"]
)
def test_a_set_naming_a_file_outside_the_project_is_refused(tmp_path, outside, questions):
    from faqrag.learn.staging import labelled_sets

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (tmp_path / "eval").mkdir()
    (tmp_path / "eval" / "link.jsonl").symlink_to(outside / "secret")
    registry = tmp_path / "eval" / "sets.json"
    registry.write_text(f'[{{"name": "x", "corpus": "corpus", "questions": "{questions}"}}]', encoding="utf-8")
    with pytest.raises(FaqragError) as err:
        labelled_sets(corpus, registry, None)
    assert one_line(err.value)


# ------------------------------------------------------------ the index and the log


@pytest.mark.parametrize("kind", KINDS)
def test_a_calibration_linked_elsewhere_is_neither_read_nor_written(tmp_path, built_index, outside, kind):
    from faqrag.index.calibration import calibrated
    from faqrag.learn.calibrate import Calibration, save
    from faqrag.settings import Settings

    (outside / "secret").write_text('{"abstain_below": 0.99}', encoding="utf-8")
    path = built_index / "calibration.json"
    target = plant(path, kind, outside)
    try:
        settings = calibrated(built_index, Settings())
    except FaqragError as err:
        assert one_line(err) and "calibration.json" in str(err)
    else:
        assert settings.abstain_below != 0.99 or kind == "hardlink", settings.abstain_below
    before = target.read_text() if target is not None and target.exists() else None
    try:
        save(built_index, Calibration(0.5, 5, 3, {}, {}, "now"))
    except FaqragError as err:
        assert one_line(err) and "calibration.json" in str(err)
    if target is not None and kind != "hardlink":
        assert (target.read_text() if target.exists() else None) == before


@pytest.mark.parametrize("kind", ["absolute", "dotdot", "chain", "dangling", "loop"])
@pytest.mark.parametrize("name", ["logs.db", "logs.db-wal"])
def test_the_question_log_is_never_written_through_a_link(tmp_path, built_index, outside, kind, name, monkeypatch):
    from faqrag.answer.records import Response
    from faqrag.learn import qlog

    monkeypatch.delenv("FAQRAG_LOG", raising=False)
    db = qlog.log_path(built_index)
    target = plant(db.parent / name, kind, outside)
    resp = Response("q?", True, 0.1, None, [], [], [], None)
    assert qlog.log_answer(db, "Is this logged?", resp, "cli") is None
    assert unchanged(target)
    with pytest.raises(FaqragError) as err:
        qlog.recent(db)
    assert one_line(err.value)
    qlog.forget(db)
