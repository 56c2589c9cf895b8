"""The review page (app_pages/review.py) through AppTest, with the fake model and the
small guide: weak answers queued apart, entries previewed, nothing chosen for the
maintainer, results shown where they look, every review undone."""

from __future__ import annotations

import json

from test_review import _log, _page, _texts

from faqrag.evaluation.questions import load_questions
from faqrag.index.store import load_index
from faqrag.ingest import alternates
from faqrag.learn import qlog, review

WEAK = {
    "abstained": False,
    "confidence": 0.9,
    "answer": {
        "text": "Bayview: 555-0201",
        "source": "Acme › Southern Region",
        "doc": "acme-help.txt",
        "chunk_id": "x",
    },
    "weak_support": ["the question names Northern; the answer does not"],
}


def _signed_in(monkeypatch, tmp_path, index, corpus):
    at = _page(monkeypatch, tmp_path, index, corpus)
    at.text_input(key="admin_password").input("s3cret").run(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    return at


def _in_order(node):
    """The page's elements in the order a person reads them."""
    for child in getattr(node, "children", {}).values():
        yield child
        yield from _in_order(child)


def _clean(text: str) -> str:
    return text.replace("\\", "").replace("\u200b", "")  # undo md_escape


def test_weak_answers_are_queued_as_their_own_group_and_groups_order_by_traffic_or_time(
    monkeypatch, tmp_path, guide_corpus, built_index, use_fake_model
):
    db = tmp_path / "logs.db"
    for _ in range(3):
        qlog.log_answer(db, "Bayview phone number in the Northern Region", WEAK, "api")
    _log(db, "widget warranty length", "widget warranty length")  # declined twice
    _log(db, "how do I cancel an order")  # declined once, newest
    at = _signed_in(monkeypatch, tmp_path, built_index, guide_corpus)
    heads = [h.value for h in at.header]
    assert heads[:2] == ["Not answered well", "Answered, but weakly supported"]
    said = _clean(_texts(at))
    assert "Why the answer may be wrong: the question names Northern; the answer does not" in said
    assert "3 question(s) in 2 group(s)" in said and "3 question(s) in 1 group(s)" in said
    firsts = [h.value for h in at.subheader]
    assert firsts[0].startswith("2 × ") and firsts[1].startswith("1 × ")  # most asked first
    at.radio(key="order").set_value("Newest first").run(timeout=60)
    assert [h.value for h in at.subheader][0].startswith("1 × ")


def test_a_new_entry_starts_empty_and_is_previewed_as_visitors_will_see_it(
    monkeypatch, tmp_path, guide_corpus, built_index, use_fake_model
):
    db = tmp_path / "logs.db"
    _log(db, "is the widget ok in rain")
    lead = review.queue(db)[0].id
    at = _signed_in(monkeypatch, tmp_path, built_index, guide_corpus)
    box = at.text_input(key=f"newq-{lead}")
    assert box.value == "" and at.button(key=f"new-{lead}").disabled  # nothing typed for the maintainer
    at.button(key=f"usevisitor-{lead}").click().run(timeout=60)
    assert at.text_input(key=f"newq-{lead}").value == "is the widget ok in rain"
    at.text_input(key=f"newq-{lead}").input("Can the widget get wet?").run(timeout=60)
    at.text_area(key=f"newa-{lead}").input("No. Keep it dry; rain voids the warranty.").run(timeout=60)
    preview = "\n".join(h.value for h in at.html)
    assert "As visitors will see it:" in _texts(at)
    assert "Answers the question \u201cCan the widget get wet?\u201d" in preview
    assert "No. Keep it dry; rain voids the warranty." in preview and "Source: Help team answers" in preview
    at.button(key=f"new-{lead}").click().run(timeout=60)
    assert not at.exception
    rows = (guide_corpus / review.REVIEWED_FAQ).read_text(encoding="utf-8").splitlines()
    assert rows == ["question,answer", "Can the widget get wet?,No. Keep it dry; rain voids the warranty."]
    assert "Added a new FAQ entry to Help team answers" in _clean(_texts(at))


def test_a_group_far_from_every_answer_has_nothing_preselected(
    monkeypatch, tmp_path, guide_corpus, built_index, use_fake_model
):
    db = tmp_path / "logs.db"
    _log(db, "How do I bake sourdough bread at home?")
    lead = review.queue(db)[0].id
    at = _signed_in(monkeypatch, tmp_path, built_index, guide_corpus)
    radio = at.radio(key=f"target-{lead}")
    assert radio.options and radio.value is None
    assert at.button(key=f"link-{lead}").disabled


def test_apply_results_stay_in_place_name_questions_and_every_review_can_be_undone(
    monkeypatch, tmp_path, guide_corpus, built_index, use_fake_model
):
    from faqrag.records import ALTERNATE

    db = tmp_path / "logs.db"
    question = "factory state gadget back original"
    _log(db, question)
    at = _signed_in(monkeypatch, tmp_path, built_index, guide_corpus)
    assert "needs 5 more covered and 3 more not-covered reviewed question(s)" in _texts(at)
    qid = review.queue(db)[0].id
    [faq] = [c.id for c in load_index(built_index).chunks if c.question == "How do I reset my widget?"]
    at.radio(key=f"target-{qid}").set_value(faq).run(timeout=60)
    at.button(key=f"link-{qid}").click().run(timeout=60)
    assert "needs 4 more covered and 3 more" in _texts(at)
    at.button(key="apply").click().run(timeout=60)
    said = _clean(_texts(at))
    assert f"better: \u201c{question}\u201d" in said and "r-" not in said  # questions, not ids
    assert "Built the next index beside the live one" in said and str(tmp_path) not in said
    at.button(key="swap").click().run(timeout=60)
    assert not at.exception
    # The result shows in the Apply section, where the button was, with what changed.
    shown = [(e.type, str(getattr(e, "value", ""))) for e in _in_order(at.main)]
    apply_at = shown.index(("header", "Apply reviews"))
    live_at = next(i for i, (kind, value) in enumerate(shown) if kind == "success" and "new index is live" in value)
    assert apply_at < live_at < shown.index(("header", "Reviews so far"))
    assert f"better: \u201c{question}\u201d" in _clean(_texts(at))
    views = [v for c in load_index(built_index).chunks for v in c.views]
    assert (question, ALTERNATE) in views

    assert any("Linked 1 question(s)" in _clean(m.value) and "live" in _clean(m.value) for m in at.markdown)
    [undo] = [b for b in at.button if b.key.startswith("undo-")]
    undo.click().run(timeout=60)
    assert not at.exception
    assert "Undone: Linked 1 question(s)" in _clean(_texts(at))
    assert alternates.read(guide_corpus) == [] and (tmp_path / "reviewed.jsonl").read_text() == ""
    assert [q.question for q in review.queue(db)] == [question]  # back in the queue
    at.button(key="apply").click().run(timeout=60)  # the same before/after check, now without it
    assert not at.exception
    at.button(key="swap").click().run(timeout=60)
    assert not any(v == (question, ALTERNATE) for c in load_index(built_index).chunks for v in c.views)
    assert not [b for b in at.button if b.key.startswith("undo-")]


def test_calibration_counts_covered_and_uncovered_reviewed_questions(
    monkeypatch, tmp_path, guide_corpus, built_index, use_fake_model
):
    rows = [{"id": f"c{i}", "question": f"covered {i}", "answers": ["x"]} for i in range(5)]
    rows += [{"id": f"u{i}", "question": f"uncovered {i}", "answers": []} for i in range(3)]
    (tmp_path / "reviewed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    _log(tmp_path / "logs.db", "anything")
    at = _signed_in(monkeypatch, tmp_path, built_index, guide_corpus)
    assert "5 covered and 3 not-covered reviewed questions: enough to calibrate" in _texts(at)
    assert len(load_questions(tmp_path / "reviewed.jsonl")) == 8


def test_an_undo_from_a_stale_tab_or_of_an_entry_edited_by_hand_says_so(
    monkeypatch, tmp_path, guide_corpus, built_index, use_fake_model
):
    """Two maintainers' tabs list the same review: the second Undo finds it gone (the page
    draws the list again, without it) and takes nothing more out (two undos at the same
    instant: test_review.py). An entry reworded by hand in reviewed-faq.csv is left
    there, and the message says so rather than "Undone" alone."""
    db = tmp_path / "logs.db"
    review.new_entry(guide_corpus, tmp_path / "reviewed.jsonl", ["can it get wet"], "Wet?", "No.", db)
    one = _signed_in(monkeypatch, tmp_path, built_index, guide_corpus)
    two = _signed_in(monkeypatch, tmp_path, built_index, guide_corpus)
    [b1] = [b for b in one.button if b.key.startswith("undo-")]
    [b2] = [b for b in two.button if b.key.startswith("undo-")]
    b1.click().run(timeout=60)
    assert "Undone: New FAQ entry" in _clean(_texts(one)) and "But" not in _texts(one)
    kept = (tmp_path / "reviewed.jsonl").read_text(), alternates.read(guide_corpus)
    b2.click().run(timeout=60)
    assert not two.exception and "No reviews yet" in _texts(two) and "Undone" not in _clean(_texts(two))
    assert ((tmp_path / "reviewed.jsonl").read_text(), alternates.read(guide_corpus)) == kept

    review.new_entry(guide_corpus, tmp_path / "reviewed.jsonl", ["is it dry"], "Dry?", "Yes.", db)
    faq = guide_corpus / review.REVIEWED_FAQ
    faq.write_text('question,answer\nDry?,"Yes, keep it so."\n', encoding="utf-8")
    one.run(timeout=60)
    [b1] = [b for b in one.button if b.key.startswith("undo-")]
    b1.click().run(timeout=60)
    said = _clean(_texts(one))
    assert "Undone: New FAQ entry" in said and "\u201cDry?\u201d was changed in reviewed-faq.csv" in said
    assert faq.read_text(encoding="utf-8") == 'question,answer\nDry?,"Yes, keep it so."\n'


def test_a_review_the_live_index_lacks_is_not_applied_yet_though_that_index_is_newer(
    monkeypatch, tmp_path, guide_corpus, built_index, fake_embedder, use_fake_model
):
    from faqrag.index.build import build_index

    db = tmp_path / "logs.db"
    review.new_entry(guide_corpus, tmp_path / "reviewed.jsonl", ["is it dry"], "Dry?", "Yes.", db)
    (guide_corpus / review.REVIEWED_FAQ).rename(tmp_path / "aside.csv")
    build_index(guide_corpus, built_index, fake_embedder)  # a build after the review, without it
    (tmp_path / "aside.csv").rename(guide_corpus / review.REVIEWED_FAQ)
    at = _signed_in(monkeypatch, tmp_path, built_index, guide_corpus)
    [line] = [_clean(m.value) for m in at.markdown if "New FAQ entry" in _clean(m.value)]
    assert "not applied yet" in line


def test_a_decision_that_cannot_be_written_says_so_without_a_server_path(
    monkeypatch, tmp_path, guide_corpus, built_index, use_fake_model
):
    from test_review import _log

    db = tmp_path / "logs.db"
    _log(db, "widget reset factory gadget")
    (guide_corpus / "alternates.jsonl").write_bytes(b'{"question": "half')  # torn: a link cannot add to it
    (guide_corpus / review.REVIEWED_FAQ).mkdir()  # a folder where the new entries go
    at = _signed_in(monkeypatch, tmp_path, built_index, guide_corpus)
    lead = review.queue(db)[0].id
    [faq] = [c.id for c in load_index(built_index).chunks if c.question == "How do I reset my widget?"]
    at.radio(key=f"target-{lead}").set_value(faq).run(timeout=60)
    at.text_input(key=f"newq-{lead}").input("Can I reset it?").run(timeout=60)
    at.text_area(key=f"newa-{lead}").input("Yes.").run(timeout=60)
    at.button(key=f"new-{lead}").click().run(timeout=60)
    assert not at.exception
    said = [_clean(e.value) for e in at.error]
    assert len(said) == 1 and "reviewed-faq.csv" in said[0]
    at.button(key=f"link-{lead}").click().run(timeout=60)
    said.append(_clean(at.error[0].value))
    assert "alternates.jsonl" in said[1]
    for line in said:
        assert str(tmp_path) not in line, line


def test_a_click_does_not_embed_the_queue_again(monkeypatch, tmp_path, guide_corpus, built_index, use_fake_model):
    import streamlit as st
    from test_review import _log

    from faqrag.text import normalize

    st.cache_data.clear()  # the groups of another test's queue are no help here
    asked = ["widget warranty length", "warranty length widget", "how do I cancel an order"]
    _log(tmp_path / "logs.db", *asked)
    batches, encode = [], use_fake_model.encode
    monkeypatch.setattr(
        use_fake_model, "encode", lambda texts, **kw: batches.append(list(texts)) or encode(texts, **kw)
    )

    def grouped() -> int:  # encodes of the whole queue: grouping it by meaning
        return sum(sorted(b) == sorted(normalize(q) for q in asked) for b in batches)

    at = _signed_in(monkeypatch, tmp_path, built_index, guide_corpus)
    assert grouped() == 1 and len(at.subheader) == 2
    at.radio(key="order").set_value("Newest first").run(timeout=60)
    [box] = [c for c in at.checkbox if c.key.startswith("pick-")][:1]
    box.uncheck().run(timeout=60)
    assert not at.exception and len(at.subheader) == 2
    assert grouped() == 1  # two clicks, two drawings of the page, the queue embedded once


def test_a_question_asked_twice_in_the_same_words_is_one_box_that_decides_for_both(
    monkeypatch, tmp_path, guide_corpus, built_index, use_fake_model, fake_embedder
):
    db = tmp_path / "logs.db"
    _log(db, "widget warranty length", "Widget warranty length", "widget warranty length")
    at = _signed_in(monkeypatch, tmp_path, built_index, guide_corpus)
    boxes = [c for c in at.checkbox if c.key.startswith("pick-")]
    assert len(boxes) == 1 and "queued 3 times, declined" in _clean(boxes[0].label)
    assert at.subheader[0].value.startswith("3 × ")
    [g] = review.group(review.queue(db), fake_embedder)
    assert [len(same) for same in g.asked] == [3] and review.why_queued(g.asked[0]).startswith("queued 3 times")
    at.button(key=f"notcov-{g.lead.id}").click().run(timeout=60)
    assert not at.exception and review.queue(db) == []  # the one box decided for all three
