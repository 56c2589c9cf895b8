"""Apply reviews from the review page when more than one thing touches the index: a
second maintainer's tab, a build, a staged index gone. The page swaps in only the
staged index it showed, under the build lock, and says what went wrong in one line
without a server path."""

from __future__ import annotations

from test_review import _texts
from test_review_page import _clean, _signed_in

from faqrag.index.build import build_index, build_lock, staged_path
from faqrag.index.store import load_index
from faqrag.learn import review


def _questions(index) -> set[str]:
    return {c.question for c in load_index(index).chunks if c.question}


def _errors(at) -> list[str]:
    return [_clean(e.value) for e in at.error]


def test_a_tab_swaps_in_only_the_staged_index_it_showed(
    monkeypatch, tmp_path, guide_corpus, built_index, use_fake_model
):
    db = tmp_path / "logs.db"
    one = _signed_in(monkeypatch, tmp_path, built_index, guide_corpus)
    two = _signed_in(monkeypatch, tmp_path, built_index, guide_corpus)
    one.button(key="apply").click().run(timeout=60)
    review.new_entry(guide_corpus, tmp_path / "reviewed.jsonl", ["is it dry"], "Dry?", "Yes.", db)
    two.button(key="apply").click().run(timeout=60)  # staged again, now with the new entry, where one's was
    live = (built_index / "manifest.json").read_bytes()

    one.button(key="swap").click().run(timeout=60)
    assert not one.exception
    [said] = _errors(one)
    assert "not the one this page showed" in said and "apply the reviews again" in said
    assert str(tmp_path) not in said
    assert (built_index / "manifest.json").read_bytes() == live  # one never saw "Dry?": not swapped in
    assert one.button(key="apply")  # and it can apply again

    two.button(key="swap").click().run(timeout=60)  # what two saw is still there, and goes live
    assert not two.exception and "The new index is live." in _texts(two)
    assert "Dry?" in _questions(built_index)


def test_a_swap_waits_for_no_build_and_says_one_is_running(
    monkeypatch, tmp_path, guide_corpus, built_index, use_fake_model
):
    review.new_entry(guide_corpus, tmp_path / "reviewed.jsonl", ["is it dry"], "Dry?", "Yes.", tmp_path / "logs.db")
    at = _signed_in(monkeypatch, tmp_path, built_index, guide_corpus)
    at.button(key="apply").click().run(timeout=60)
    with build_lock(built_index, wait=False):  # a build of the live index is running
        at.button(key="swap").click().run(timeout=60)
    assert not at.exception
    [said] = _errors(at)
    assert "already running" in said and str(tmp_path) not in said
    assert "Dry?" not in _questions(built_index)


def test_a_staged_index_gone_is_one_line_without_a_server_path(
    monkeypatch, tmp_path, guide_corpus, built_index, fake_embedder, use_fake_model
):
    at = _signed_in(monkeypatch, tmp_path, built_index, guide_corpus)
    at.button(key="apply").click().run(timeout=60)
    assert staged_path(built_index).exists()
    build_index(guide_corpus, built_index, fake_embedder)  # a build removes what a review apply staged
    at.button(key="swap").click().run(timeout=60)
    assert not at.exception
    [said] = _errors(at)
    assert "apply the reviews again" in said and "Something went wrong" not in said
    assert str(tmp_path) not in said


def test_a_corpus_that_does_not_build_is_said_in_plain_sight_not_inside_the_closed_status(
    monkeypatch, tmp_path, guide_corpus, built_index, use_fake_model
):
    from test_review_page import _in_order

    (guide_corpus / "broken.txt").write_bytes(b"Guide\x00with a NUL\n")
    at = _signed_in(monkeypatch, tmp_path, built_index, guide_corpus)
    at.button(key="apply").click().run(timeout=60)
    [status] = [b for b in _in_order(at.main) if type(b).__name__ == "Status"]
    assert status.label == "Apply failed"
    inside = [type(e).__name__ for e in _in_order(status)]
    errors = _errors(at)
    assert len(errors) == 1 and "broken.txt" in errors[0] and str(tmp_path) not in errors[0], errors
    assert not inside  # a maintainer sees why without opening the status
