"""Review decisions: grouping by meaning, and what link / new entry / not covered write."""

from __future__ import annotations

import csv
import json

import pytest

from faqrag.evaluation.questions import load_questions
from faqrag.index.store import load_index
from faqrag.ingest import alternates
from faqrag.ingest.corpus import load_corpus
from faqrag.learn import collection, qlog, review

ANS = {"abstained": True, "confidence": 0.1, "answer": None}


def _log(db, *questions):
    return [qlog.log_answer(db, q, ANS, "page") for q in questions]


def test_grouping_puts_phrasings_together_largest_first(tmp_path, fake_embedder):
    db = tmp_path / "logs.db"
    _log(db, "warranty length widget", "cancel my order", "widget warranty length", "WIDGET   warranty length")
    groups = review.group(review.queue(db), fake_embedder)
    assert [len(g.items) for g in groups] == [3, 1]
    assert {q.question for q in groups[0].items} == {
        "warranty length widget",
        "widget warranty length",
        "WIDGET   warranty length",
    }
    assert review.group([], fake_embedder) == []


def test_queue_holds_declined_low_and_unhelpful_until_reviewed(tmp_path):
    db = tmp_path / "logs.db"
    good = {"abstained": False, "confidence": 0.95, "answer": {"text": "x", "chunk_id": "c"}}
    (fine,) = [qlog.log_answer(db, "fine", good, "page")]
    low = qlog.log_answer(db, "low", {**good, "confidence": 0.5}, "page")
    bad = qlog.log_answer(db, "bad", good, "page")
    qlog.record_feedback(db, bad, False)
    [declined] = _log(db, "declined")
    assert [q.id for q in review.queue(db)] == [declined, bad, low]
    review.not_covered(tmp_path / "reviewed.jsonl", review.queue(db)[:1], db)
    assert [q.id for q in review.queue(db)] == [bad, low]
    assert fine not in [q.id for q in review.queue(db)]


def test_link_writes_alternates_and_a_labelled_question(tmp_path, guide_corpus, built_index):
    db, reviewed = tmp_path / "logs.db", tmp_path / "eval" / "reviewed.jsonl"
    _log(db, "factory state gadget", "gadget original state")
    stored = load_index(built_index)
    [faq] = [c for c in stored.chunks if c.question == "How do I reset my widget?"]
    items = review.queue(db)
    n = review.link(guide_corpus, reviewed, items, faq, stored.chunks, stored.documents[faq.doc].title, db)
    assert n == 2 and review.queue(db) == []
    alts = alternates.read(guide_corpus)
    assert {a.question for a in alts} == {"factory state gadget", "gadget original state"}
    assert {a.target for a in alts} == {"How do I reset my widget?"}
    labelled = load_questions(reviewed)  # an ordinary eval file
    assert [q.answers for q in labelled] == [("Hold the power button for ten seconds until the light",)] * 2
    assert "Hold the power button" in faq.answer


def test_new_entry_appends_a_faq_row_the_build_reads(tmp_path, guide_corpus):
    reviewed = tmp_path / "reviewed.jsonl"
    q = 'Is the widget "waterproof", really?'
    review.new_entry(guide_corpus, reviewed, [q, "can it get wet"], q, "No, keep it dry,\nplease.")
    review.new_entry(guide_corpus, reviewed, ["battery life"], "How long does the battery last?", "A week.")
    rows = list(csv.DictReader((guide_corpus / review.REVIEWED_FAQ).open(encoding="utf-8")))
    assert rows == [
        {"question": q, "answer": "No, keep it dry, please."},
        {"question": "How long does the battery last?", "answer": "A week."},
    ]
    docs = {d.doc_id: blocks for d, blocks in load_corpus(guide_corpus)}
    assert [b.question for b in docs[review.REVIEWED_FAQ]] == [q, "How long does the battery last?"]
    titles = {d.doc_id: d.title for d, _ in load_corpus(guide_corpus)}
    assert titles[review.REVIEWED_FAQ] == collection.REVIEWED_TITLE  # read as help content, not "Reviewed faq"
    assert [a.question for a in alternates.read(guide_corpus)] == ["can it get wet", "battery life"]
    lines = [json.loads(x) for x in reviewed.read_text().splitlines()]
    assert [x["answers"] for x in lines] == [["No, keep it dry, please."]] * 2 + [["A week."]]
    assert len({x["id"] for x in lines}) == 3


def test_not_covered_is_an_uncovered_label_once(tmp_path):
    reviewed = tmp_path / "reviewed.jsonl"
    review.not_covered(reviewed, ["who painted it", "Who  painted it"])
    review.not_covered(reviewed, ["who painted it"])
    [q] = load_questions(reviewed)
    assert q.answers == () and not q.covered


def test_gold_is_the_answer_start_cut_at_a_word():
    assert review.gold_of("short  answer") == "short answer"
    long = "word " * 30
    g = review.gold_of(long)
    assert len(g) <= review.GOLD_CHARS and long.startswith(g) and not g.endswith(" ")


# ------------------------------------------------------------ the review page

REVIEW_PAGE = __import__("pathlib").Path(__file__).resolve().parents[1] / "app_pages" / "review.py"


def _page(monkeypatch, tmp_path, index, corpus, password="s3cret"):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("FAQRAG_INDEX", str(index))
    monkeypatch.setenv("FAQRAG_CORPUS", str(corpus))
    monkeypatch.setenv("FAQRAG_REVIEWED", str(tmp_path / "reviewed.jsonl"))
    monkeypatch.delenv(qlog.ENV, raising=False)
    if password is None:
        monkeypatch.delenv("FAQRAG_ADMIN_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("FAQRAG_ADMIN_PASSWORD", password)
    at = AppTest.from_file(str(REVIEW_PAGE)).run(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at) -> str:
    return "\n".join(
        str(e.value) for kind in ("text", "subheader", "caption", "info", "error", "success") for e in at.get(kind)
    )


def test_review_page_is_off_without_a_password(monkeypatch, tmp_path, guide_corpus, built_index, use_fake_model):
    _log(tmp_path / "logs.db", "a secret question someone asked")
    at = _page(monkeypatch, tmp_path, built_index, guide_corpus, password=None)
    assert "FAQRAG_ADMIN_PASSWORD" in at.info[0].value
    assert "secret question" not in _texts(at) and not at.text_input and not at.button


def test_review_page_asks_the_password_then_groups_and_links(
    monkeypatch, tmp_path, guide_corpus, built_index, use_fake_model
):
    db = tmp_path / "logs.db"
    _log(
        db,
        "widget reset factory gadget",
        "cancel my order",
        "reset widget factory gadget",
        "gadget widget reset factory",
    )
    at = _page(monkeypatch, tmp_path, built_index, guide_corpus)
    assert "widget reset" not in _texts(at) and not at.button
    at.text_input(key="admin_password").input("wrong").run(timeout=60)
    assert at.error and "not the password" in at.error[0].value and not at.button
    at.text_input(key="admin_password").input("s3cret").run(timeout=60)
    assert not at.exception
    assert not [t for t in at.text_input if t.key == "admin_password"]  # signed in: the box is gone
    heads = [h.value for h in at.subheader]
    assert len(heads) == 2 and heads[0].startswith("3 × ") and heads[1].startswith("1 × ")
    assert "4 question(s) in 2 group(s)" in _texts(at)
    assert "Documents: 1" in _texts(at)  # the sidebar says which index this is, as the main page's does
    lead_id = max(q.id for q in review.queue(db) if "cancel" not in q.question)
    radio = at.radio(key=f"target-{lead_id}")
    assert radio.options  # the closest existing answers
    radio.set_value(next(c.id for c in load_index(built_index).chunks if c.question == "How do I reset my widget?"))
    left_out = min(q.id for q in review.queue(db) if "cancel" not in q.question)
    at.checkbox(key=f"pick-{lead_id}-{left_out}").uncheck().run(timeout=60)  # does not belong with the others
    at.button(key=f"link-{lead_id}").click().run(timeout=60)
    assert not at.exception
    assert at.success and "Linked 2 question(s) to How do I reset my widget?" in at.success[0].value.replace("\\", "")
    alts = alternates.read(guide_corpus)
    assert len(alts) == 2 and {a.doc for a in alts} == {"acme-help.txt"}
    assert sorted(h.value[:4] for h in at.subheader) == ["1 × ", "1 × "]  # the unticked one waits on its own
    assert len(load_questions(tmp_path / "reviewed.jsonl")) == 2
    for q in review.queue(db):
        at.button(key=f"notcov-{q.id}").click().run(timeout=60)
    assert "Nothing to review" in _texts(at)
    assert [q.covered for q in load_questions(tmp_path / "reviewed.jsonl")] == [True, True, False, False]


def test_apply_reviews_shows_the_change_and_swaps_on_confirm(
    monkeypatch, tmp_path, guide_corpus, built_index, use_fake_model
):
    from faqrag.index.store import load_index
    from faqrag.records import ALTERNATE

    db = tmp_path / "logs.db"
    _log(db, "factory state gadget back original")
    at = _page(monkeypatch, tmp_path, built_index, guide_corpus)
    at.text_input(key="admin_password").input("s3cret").run(timeout=60)
    qid = review.queue(db)[0].id
    [faq] = [c.id for c in load_index(built_index).chunks if c.question == "How do I reset my widget?"]
    at.radio(key=f"target-{qid}").set_value(faq).run(timeout=60)
    at.button(key=f"link-{qid}").click().run(timeout=60)
    at.button(key="apply").click().run(timeout=60)
    assert not at.exception
    said = _texts(at)
    assert "reviewed (1 question(s)): answer right" in said and "1 embedded" in said
    assert not any(
        v[1] == ALTERNATE and v[0].startswith("factory") for c in load_index(built_index).chunks for v in c.views
    )
    at.button(key="swap").click().run(timeout=60)
    assert not at.exception and "The new index is live" in _texts(at)
    assert any(
        v == ("factory state gadget back original", ALTERNATE) for c in load_index(built_index).chunks for v in c.views
    )


@pytest.mark.integration
def test_real_model_groups_phrasings_of_one_need(tmp_path):
    from faqrag.models.torch_embedder import SentenceTransformerEmbedder

    db = tmp_path / "logs.db"
    _log(
        db,
        "What is the support phone number in the UK?",
        "How do I cancel my membership?",
        "UK support phone number?",
        "Who painted the Mona Lisa?",
        "phone number for support in the United Kingdom",
        "how can I cancel my membership",
    )
    groups = review.group(review.queue(db), SentenceTransformerEmbedder())
    assert [sorted(q.question[:8] for q in g.items) for g in groups] == [
        ["UK suppo", "What is ", "phone nu"],
        ["How do I", "how can "],
        ["Who pain"],
    ]


def test_reviews_from_a_new_log_never_reuse_an_id(tmp_path):
    reviewed = tmp_path / "reviewed.jsonl"
    for n, name in enumerate(("a.db", "b.db")):  # two logs, both starting at id 1
        db = tmp_path / name
        _log(db, f"question from log {n}")
        review.not_covered(reviewed, review.queue(db), db)
    assert len({q.id for q in load_questions(reviewed)}) == 2


# ------------------------------------------------------- undo, pre-selection


def test_every_decision_can_be_undone_and_takes_out_only_what_it_wrote(tmp_path, guide_corpus, built_index):
    from faqrag.learn import decisions

    db, reviewed = tmp_path / "logs.db", tmp_path / "reviewed.jsonl"
    stored = load_index(built_index)
    [faq] = [c for c in stored.chunks if c.question == "How do I reset my widget?"]
    title = stored.documents[faq.doc].title
    _log(db, "factory state gadget", "gadget original state", "is it waterproof", "who painted it")
    first, second, wet, painted = sorted(review.queue(db), key=lambda q: q.id)
    review.link(guide_corpus, reviewed, [first], faq, stored.chunks, title, db)
    review.link(guide_corpus, reviewed, [second, first], faq, stored.chunks, title, db)  # one old, one new link
    review.new_entry(guide_corpus, reviewed, [wet], "Is the widget waterproof?", "No, keep it dry.", db)
    review.not_covered(reviewed, [painted], db)
    before_undo = (guide_corpus / alternates.FILE).read_text()
    assert review.queue(db) == [] and len(load_questions(reviewed)) == 4
    listed = decisions.listed(db)
    assert [d.action for d in listed] == [review.NOT_COVERED, review.NEW_ENTRY, review.LINKED, review.LINKED]

    review.undo(db, listed[2].id, guide_corpus, reviewed)  # the second link: only its own new alternate goes
    assert [a.question for a in alternates.read(guide_corpus)] == ["factory state gadget", "is it waterproof"]
    assert [q.question for q in review.queue(db)] == ["gadget original state", "factory state gadget"]
    assert {q.question for q in load_questions(reviewed)} == {
        "factory state gadget",
        "is it waterproof",
        "who painted it",
    }

    review.undo(db, listed[1].id, guide_corpus, reviewed)  # the new entry: the file goes with its last row
    assert not (guide_corpus / review.REVIEWED_FAQ).exists()
    assert (guide_corpus / (review.REVIEWED_FAQ + ".meta.json")).exists()  # its title stays for the next entry
    assert [a.question for a in alternates.read(guide_corpus)] == ["factory state gadget"]

    review.undo(db, listed[0].id, guide_corpus, reviewed)
    review.undo(db, listed[3].id, guide_corpus, reviewed)
    assert alternates.read(guide_corpus) == [] and reviewed.read_text() == ""  # staging skips an empty set
    assert len(review.queue(db)) == 4 and decisions.listed(db) == []
    assert len(decisions.listed(db, undone=True)) == 4
    with pytest.raises(review.FaqragError, match="undone already"):
        review.undo(db, listed[0].id, guide_corpus, reviewed)
    assert before_undo  # the file was there to take lines out of


def test_undoing_one_entry_keeps_the_others_rows(tmp_path, guide_corpus):
    db, reviewed = tmp_path / "logs.db", tmp_path / "reviewed.jsonl"
    review.new_entry(guide_corpus, reviewed, ["a, b?"], 'Is it "waterproof", really?', "No, keep it dry.", db)
    review.new_entry(guide_corpus, reviewed, ["battery"], "How long does the battery last?", "A week.", db)
    from faqrag.learn import decisions

    newest, oldest = decisions.listed(db)
    review.undo(db, oldest.id, guide_corpus, reviewed)
    rows = list(csv.DictReader((guide_corpus / review.REVIEWED_FAQ).open(encoding="utf-8")))
    assert rows == [{"question": "How long does the battery last?", "answer": "A week."}]
    assert [q.question for q in load_questions(reviewed)] == ["battery"]


def test_an_answer_is_preselected_only_when_the_groups_questions_are_close_to_it(tmp_path, built_index, fake_embedder):
    from faqrag.engine import Engine

    engine = Engine(load_index(built_index), fake_embedder)
    [faq] = [c.id for c in engine.stored.chunks if c.question == "How do I reset my widget?"]
    db = tmp_path / "logs.db"
    _log(db, "How do I reset my widget?", "how do i reset my widget")
    close = review.group(review.queue(db), fake_embedder)[0]
    calls = len(fake_embedder.calls)
    assert review.preselect(close, faq, engine) == faq
    assert len(fake_embedder.calls) == calls  # the group's vectors from grouping, not the model again
    assert review.preselect(review.Group(close.items), faq, engine) == faq  # a group made without them
    _log(tmp_path / "other.db", "How do I bake sourdough bread?")
    far = review.group(review.queue(tmp_path / "other.db"), fake_embedder)[0]
    assert review.preselect(far, faq, engine) is None
    assert review.preselect(close, None, engine) is None  # declined: nothing to pre-select


def test_an_undo_clicked_twice_at_once_is_done_once(tmp_path, guide_corpus):
    """Two tabs, a double click: of several undos of one decision at the same time, one
    takes it out and the others are told; a twin entry another decision added stays."""
    import threading

    from faqrag.learn import decisions

    db, reviewed = tmp_path / "logs.db", tmp_path / "reviewed.jsonl"
    _log(db, "who painted it", "painter of the widget")
    first, second = sorted(review.queue(db), key=lambda q: q.id)
    review.new_entry(guide_corpus, reviewed, [first], "Who painted it?", "Nobody.", db)
    review.new_entry(guide_corpus, reviewed, [second], "Who painted it?", "Nobody.", db)  # the same row again
    newest = decisions.listed(db)[0]
    outcomes, start = [], threading.Barrier(6)

    def undo():
        start.wait()
        try:
            review.undo(db, newest.id, guide_corpus, reviewed)
            outcomes.append("undone")
        except review.FaqragError as err:
            outcomes.append(str(err))

    threads = [threading.Thread(target=undo) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["that review was undone already; reload the page"] * 5 + ["undone"]
    rows = list(csv.reader((guide_corpus / review.REVIEWED_FAQ).open(encoding="utf-8")))
    assert rows == [["question", "answer"], ["Who painted it?", "Nobody."]]  # the older decision's row
    assert [q.question for q in review.queue(db)] == ["painter of the widget"]


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t.replace("Nobody.", "Nobody, as far as we know."),  # the answer reworded
        lambda t: t.replace("Who painted it?", "Who painted the widget?"),  # the question reworded
        lambda t: "question,answer\nSomething else?,Yes.\n",  # the entry deleted, another kept
    ],
)
def test_undoing_an_entry_edited_by_hand_takes_out_the_rest_and_says_what_it_left(tmp_path, guide_corpus, edit):
    from faqrag.learn import decisions

    db, reviewed = tmp_path / "logs.db", tmp_path / "reviewed.jsonl"
    _log(db, "who painted it", "painter of the widget")
    review.new_entry(guide_corpus, reviewed, review.queue(db), "Who painted it?", "Nobody.", db)
    faq = guide_corpus / review.REVIEWED_FAQ
    faq.write_text(edit(faq.read_text(encoding="utf-8")), encoding="utf-8")
    kept = faq.read_text(encoding="utf-8")
    assert "Who painted it?,Nobody." not in kept
    left = review.undo(db, decisions.listed(db)[0].id, guide_corpus, reviewed)
    assert len(left) == 1 and "\u201cWho painted it?\u201d was changed in reviewed-faq.csv" in left[0]
    assert faq.read_text(encoding="utf-8") == kept  # the hand-edited file as it was
    assert alternates.read(guide_corpus) == [] and reviewed.read_text() == ""  # the rest taken out
    assert len(review.queue(db)) == 2 and decisions.listed(db) == []


def test_undoing_an_entry_whose_file_was_deleted_by_hand_says_nothing_left(tmp_path, guide_corpus):
    from faqrag.learn import decisions

    db, reviewed = tmp_path / "logs.db", tmp_path / "reviewed.jsonl"
    review.new_entry(guide_corpus, reviewed, ["who painted it"], "Who painted it?", "Nobody.", db)
    (guide_corpus / review.REVIEWED_FAQ).unlink()
    assert review.undo(db, decisions.listed(db)[0].id, guide_corpus, reviewed) == []


@pytest.mark.parametrize(
    ("name", "data"),
    [
        (review.REVIEWED_FAQ, "question,answer\nCaf\u00e9?,R\u00e9ponse.\n".encode("latin-1")),
        (review.REVIEWED_FAQ, b"question,answer\nWho painted it?," + b"x" * 200_000 + b"\n"),  # past csv's field limit
        ("reviewed.jsonl", b'{"id": "r-1", "question": "caf\xe9", "answers": []}\n'),
    ],
)
def test_an_undo_that_cannot_read_a_file_says_which_and_can_be_tried_again(tmp_path, guide_corpus, name, data):
    from faqrag.learn import decisions

    db, reviewed = tmp_path / "logs.db", tmp_path / "reviewed.jsonl"
    review.new_entry(guide_corpus, reviewed, ["who painted it"], "Who painted it?", "Nobody.", db)
    target = guide_corpus / name if name == review.REVIEWED_FAQ else reviewed
    good = target.read_bytes()
    target.write_bytes(good + data if name != review.REVIEWED_FAQ else data)
    [d] = decisions.listed(db)
    with pytest.raises(review.FaqragError) as err:
        review.undo(db, d.id, guide_corpus, reviewed)
    assert str(err.value).startswith(str(target)) and "\n" not in str(err.value)
    assert decisions.listed(db) == [d]  # still listed, to be undone once the file is fixed
    target.write_bytes(good)
    review.undo(db, d.id, guide_corpus, reviewed)
    assert decisions.listed(db) == []


def test_an_undo_waits_for_another_review_being_written(tmp_path, guide_corpus):
    """An undo rewrites files whole: while another session writes a review it waits, so
    the lines that review appends are not lost."""
    import threading

    from faqrag.files import folder_lock
    from faqrag.learn import decisions

    db, reviewed = tmp_path / "logs.db", tmp_path / "reviewed.jsonl"
    review.new_entry(guide_corpus, reviewed, ["who painted it", "painter"], "Who painted it?", "Nobody.", db)
    [d] = decisions.listed(db)
    with folder_lock(reviewed.parent):  # another session, writing
        worker = threading.Thread(target=review.undo, args=(db, d.id, guide_corpus, reviewed))
        worker.start()
        worker.join(0.5)
        assert worker.is_alive()  # waiting its turn
        alternates.append(guide_corpus, [alternates.Alternate("a link made meanwhile", "acme-help.txt", "Setup")])
    worker.join(30)
    assert [a.question for a in alternates.read(guide_corpus)] == ["a link made meanwhile"]


def test_a_review_is_live_when_the_index_holds_it_whenever_that_index_was_built(
    tmp_path, guide_corpus, built_index, fake_embedder
):
    """The page marks each review live or not applied yet. By time, a build that started
    before a review (or read a corpus without it) but ended after it passed for one that
    holds it; the index's own chunks say."""
    from faqrag.index.build import build_index
    from faqrag.learn import decisions

    db, reviewed = tmp_path / "logs.db", tmp_path / "reviewed.jsonl"
    stored = load_index(built_index)
    [faq] = [c for c in stored.chunks if c.question == "How do I reset my widget?"]
    review.link(guide_corpus, reviewed, ["gadget original state"], faq, stored.chunks, "Acme", db)
    review.new_entry(guide_corpus, reviewed, ["is it wet proof"], "Is the widget waterproof?", "No.", db)
    review.not_covered(reviewed, ["who painted it"], db)
    listed = decisions.listed(db)  # newest first: not covered, the entry, the link
    assert review.in_index(listed, stored.chunks) == [True, False, False]  # "not covered" puts nothing in

    aside = tmp_path / "aside"
    aside.mkdir()
    for name in (alternates.FILE, review.REVIEWED_FAQ):
        (guide_corpus / name).rename(aside / name)
    build_index(guide_corpus, built_index, fake_embedder)  # built after the reviews, without them
    assert review.in_index(listed, load_index(built_index).chunks) == [True, False, False]
    for name in (alternates.FILE, review.REVIEWED_FAQ):
        (aside / name).rename(guide_corpus / name)
    build_index(guide_corpus, built_index, fake_embedder)
    assert review.in_index(listed, load_index(built_index).chunks) == [True, True, True]


def test_a_review_of_one_question_asked_four_times_lists_it_once():
    from faqrag.learn.decisions import Decision

    asked = ("What is the capital of X?",) * 4 + ("capital of X",)
    d = Decision(1, review.NOT_COVERED, "2026-12-07T12:00:00Z", asked, (1, 2, 3, 4, 5), ())
    assert review.describe(d) == "Marked 2 question(s) not covered"
    assert review.distinct(d.questions) == ["What is the capital of X?", "capital of X"]
