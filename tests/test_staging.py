"""Apply reviews: staged build beside the live index, judged on this corpus's sets, swapped on confirm."""

from __future__ import annotations

import json
import shutil

import pytest

from faqrag.errors import FaqragError
from faqrag.index.store import load_index
from faqrag.ingest import alternates
from faqrag.learn import staging
from faqrag.records import ALTERNATE

PARAPHRASE = "factory state gadget back original"


@pytest.fixture
def sets(tmp_path, guide_corpus):
    (tmp_path / "eval").mkdir()
    qs = tmp_path / "eval" / "q.jsonl"
    qs.write_text(
        json.dumps({"id": "p1", "question": PARAPHRASE, "answers": ["Hold the power button"]})
        + "\n"
        + json.dumps({"id": "p2", "question": "How do I reset my widget?", "answers": ["Hold the power button"]})
        + "\n"
    )
    other = tmp_path / "eval" / "other.jsonl"
    other.write_text(json.dumps({"id": "o1", "question": "x", "answers": []}) + "\n")
    registry = tmp_path / "eval" / "sets.json"
    registry.write_text(
        json.dumps(
            [
                {"name": "mine", "corpus": "corpus", "questions": "eval/q.jsonl"},
                {"name": "elsewhere", "corpus": "othercorpus", "questions": "eval/other.jsonl"},
            ]
        )
    )
    return registry


def test_staged_build_is_judged_then_swapped_in(tmp_path, guide_corpus, built_index, fake_embedder, sets):
    alternates.append(guide_corpus, [alternates.Alternate(PARAPHRASE, "acme-help.txt", "How do I reset my widget?")])
    live_before = (built_index / "manifest.json").read_text()
    fake_embedder.calls.clear()
    staged = staging.stage(guide_corpus, built_index, fake_embedder, sets_path=sets)
    assert staged.summary.embedded == 1  # a copy of the live index: only the new view is embedded
    assert (built_index / "manifest.json").read_text() == live_before  # live index untouched until confirmed
    [trial] = staged.trials  # the other corpus's set is not this corpus's
    assert trial.name == "mine" and trial.questions == 2
    assert trial.better == ("p1",) and trial.worse == ()
    assert trial.before["answer_right"] == 0.5 and trial.after["answer_right"] == 1.0
    staging.swap_in(staged, built_index)
    assert not staged.folder.exists()
    views = [v for c in load_index(built_index).chunks for v in c.views]
    assert (PARAPHRASE, ALTERNATE) in views


def test_the_reviewed_set_is_judged_too_and_a_discard_leaves_the_live_index(
    tmp_path, guide_corpus, built_index, fake_embedder
):
    reviewed = tmp_path / "reviewed.jsonl"
    reviewed.write_text(json.dumps({"id": "r1", "question": "Who painted the Mona Lisa?", "answers": []}) + "\n")
    staged = staging.stage(guide_corpus, built_index, fake_embedder, reviewed_path=reviewed)
    assert [t.name for t in staged.trials] == ["reviewed"]
    staging.discard(staged, built_index)
    assert not staged.folder.exists()
    with pytest.raises(FaqragError, match="apply the reviews again"):
        staging.swap_in(staged, built_index)
    assert load_index(built_index).chunks


def test_a_bad_registry_is_one_line(tmp_path, guide_corpus):
    bad = tmp_path / "sets.json"
    bad.write_text('[{"name": "x"}]')
    with pytest.raises(FaqragError, match="sets.json: not a list of sets"):
        staging.labelled_sets(guide_corpus, bad, None)


def test_a_build_removes_a_staged_index_a_killed_apply_left(tmp_path, guide_corpus, fake_embedder):
    from faqrag.index.build import build_index, staged_path

    index = tmp_path / "index"
    build_index(guide_corpus, index, fake_embedder)
    left = staged_path(index)
    shutil.copytree(index, left)  # as a review apply killed after staging leaves it
    said = []
    build_index(guide_corpus, index, fake_embedder, log=said.append)
    assert not left.exists() and any(".index.staged" in s for s in said)
    assert (index / "manifest.json").exists()


def test_only_the_staged_index_given_is_swapped_in_or_discarded(tmp_path, guide_corpus, built_index, fake_embedder):
    first = staging.stage(guide_corpus, built_index, fake_embedder)
    alternates.append(guide_corpus, [alternates.Alternate(PARAPHRASE, "acme-help.txt", "How do I reset my widget?")])
    second = staging.stage(guide_corpus, built_index, fake_embedder)  # another tab's, in the same folder
    assert first.folder == second.folder and first.fingerprint != second.fingerprint
    with pytest.raises(FaqragError, match="not the one this page showed"):
        staging.swap_in(first, built_index)
    staging.discard(first, built_index)
    assert second.folder.exists()  # the other tab's is left
    staging.swap_in(second, built_index)
    assert (PARAPHRASE, ALTERNATE) in [v for c in load_index(built_index).chunks for v in c.views]
