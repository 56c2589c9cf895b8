"""What frames an answer (answer/framing.py), why one may be weakly supported
(answer/support.py) and the way to a person (answer/handoff.py), on guides
written here and the fake embedder."""

from __future__ import annotations

import pytest

from faqrag.answer import handoff
from faqrag.answer.framing import PASSAGE_MARGIN, passages_to_list, restates
from faqrag.answer.records import Answer, Passage, Response
from faqrag.engine import Engine
from faqrag.errors import FaqragError
from faqrag.index.build import build_index
from faqrag.index.store import load_index
from faqrag.limits import loads
from faqrag.settings import Settings

CONTACT_GUIDE = """\
Gadget Help

Setting Up

Charge the gadget for two hours before its first use. The light turns green when it is full.

Contact Customer Support

To contact customer support, call 555-0199 on weekdays or email help@gadget.example.

Europe

France: 555-0301
Germany: 555-0302
"""


@pytest.fixture
def engine(built_index, fake_embedder) -> Engine:
    return Engine(load_index(built_index), fake_embedder)


def _engine(tmp_path, fake_embedder, text: str, settings: Settings | None = None, name: str = "g") -> Engine:
    corpus = tmp_path / f"corpus-{name}"
    corpus.mkdir()
    (corpus / "guide.txt").write_text(text, encoding="utf-8")
    build_index(corpus, tmp_path / f"index-{name}", fake_embedder)
    return Engine(load_index(tmp_path / f"index-{name}"), fake_embedder, settings)


# ------------------------------------------------------ the question it answers


@pytest.mark.parametrize(
    ("asked", "shown"),
    [
        ("widget reset button hold", "How do I reset my widget?"),  # other words: the entry's question is shown
        ("Can I return a widget after a month?", "Can I return a widget after 30 days?"),
        ("How do I reset my widget?", None),  # its own question
        ("how do I RESET my widget", None),  # the same words
        ("Is a return possible after 30 days for my widget?", None),  # nearly the same words
        ("Lakeside hours", None),  # a directory line answers no question of its own
    ],
)
def test_an_answer_names_the_question_it_answers_unless_asked_in_nearly_its_words(engine, asked, shown):
    resp = engine.ask(asked)
    assert not resp.abstained
    assert resp.answer.question_answered == shown


def test_restatement_is_a_close_cosine_or_nearly_the_same_words():
    assert restates("anything", "else entirely", 0.9)
    assert restates("reset widget how", "How do I reset my widget?", 0.1)
    assert not restates("Is it a scam?", "Is the program legitimate?", 0.6)


def test_the_answer_carries_its_pages_address_when_the_document_has_one(tmp_path, fake_embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "faq.md").write_text(
        "---\ntitle: Card FAQ\nurl: https://example.org/faq\n---\n\n# Card FAQ\n\n## How do I top up?\n\n"
        "Top up at any machine.\n",
        encoding="utf-8",
    )
    build_index(corpus, tmp_path / "index", fake_embedder)
    resp = Engine(load_index(tmp_path / "index"), fake_embedder).ask("How do I top up?")
    assert resp.answer.url == "https://example.org/faq"


# ------------------------------------------------------------- weak support


def test_a_name_the_content_uses_that_the_answer_lacks_is_a_sign(engine):
    resp = engine.ask("What is the Bayview phone number in Northern Region?")
    assert not resp.abstained
    assert any("names Northern" in w for w in resp.weak_support), resp.weak_support
    assert engine.ask("How do I reset my widget?").weak_support == []  # its own question, its own answer


@pytest.mark.parametrize("place", ["Sweden", "Norway", "Stockholm", "Oslo"])
def test_a_place_the_guide_does_not_list_is_never_answered_with_another_places_line(tmp_path, fake_embedder, place):
    engine = _engine(tmp_path, fake_embedder, CONTACT_GUIDE)
    resp = engine.ask(f"What is the phone number in {place}?")
    # Declined, saying why (answer/arrange.py), or if ever answered, flagged for review.
    if resp.abstained:
        assert resp.reason and "lists no entry" in resp.reason and resp.weak_support == []
    else:
        assert any(f"{place} was read as" in w for w in resp.weak_support)


@pytest.mark.parametrize("mentioned", ["Sweden", "Stockholm", "Oslo"])
def test_a_place_read_from_the_question_answered_with_another_place_is_a_sign(mentioned):
    from types import SimpleNamespace

    from faqrag.answer.support import _other_places
    from faqrag.search.places import Resolution
    from faqrag.search.rewrite import Rewritten

    rw = Rewritten(f"phone in {mentioned}", places=(Resolution(mentioned, "Europe"),))
    france = SimpleNamespace(chunk=SimpleNamespace(text="France: 555-0301"))
    [sign] = _other_places(rw, france, {"europe", "france", "germany"})
    assert sign == f"{mentioned} was read as Europe; the answer is about France"
    europe = SimpleNamespace(chunk=SimpleNamespace(text="Europe: call 555-0300"))
    assert _other_places(rw, europe, {"europe", "france"}) == []  # the place read is what the answer is about


def test_a_place_the_answer_is_about_is_no_sign(tmp_path, fake_embedder):
    # Declining is the fake embedder's calibration, not the point here: never decline.
    engine = _engine(tmp_path, fake_embedder, CONTACT_GUIDE, Settings(abstain_below=0.0))
    resp = engine.ask("What is the phone number in Paris?")  # a city of a country the guide lists
    assert not resp.abstained and resp.answer.text.startswith("France")
    assert not any("was read as" in w for w in resp.weak_support)


def test_signs_are_computed_only_for_answers(engine):
    resp = engine.ask("zebra quantum saxophone")
    assert resp.abstained and resp.weak_support == []


# -------------------------------------------------------- what is listed below


def _passage(cid: str, score: float, text: str = "some text") -> Passage:
    return Passage(text, score, "Guide", "passage", "g.txt", cid, text, (0, 1))


def _resp(passages: list[Passage], answer_text: str = "Call 555-0101", abstained: bool = False) -> Response:
    answer = None if abstained else Answer(answer_text, "Guide", "entry", "g.txt", "a", (0, 1))
    return Response("q", abstained, 0.9, answer, passages, [], [], None)


def test_passages_listed_leave_out_the_answer_faq_entries_and_repeated_numbers():
    ps = [
        _passage("a", 0.9),  # the answer's own unit
        _passage("b", 0.88, "Lakeside line: 555-0101 (toll-free)"),  # the same number from a second list
        _passage("c", 0.85),  # listed as an FAQ entry already
        _passage("d", 0.8, "Bayview: 555-0201"),
        _passage("e", 0.9 - PASSAGE_MARGIN - 0.01),  # well below the answer
    ]
    close, weaker = passages_to_list(_resp(ps), shown=["c"])
    assert [p.chunk_id for p in close] == ["d"] and [p.chunk_id for p in weaker] == ["e"]
    close, weaker = passages_to_list(_resp(ps, abstained=True))  # under a decline: all alike, none "weaker"
    assert [p.chunk_id for p in close] == ["a", "b", "c", "d", "e"] and weaker == []


# ------------------------------------------------------------ way to a person


@pytest.mark.parametrize(
    ("value", "kind", "target"),
    [
        ("https://help.example.org/contact", "link", "https://help.example.org/contact"),
        ("http://intranet.example/form?id=3", "link", "http://intranet.example/form?id=3"),
        ("help@example.org", "email", "help@example.org"),
        ("mailto:help@example.org", "email", "help@example.org"),
        ("MAILTO:help@example.org", "email", "help@example.org"),
        (" Mailto:hélp@exämple.org?subject=Hi ", "email", "hélp@exämple.org?subject=Hi"),
    ],
)
def test_a_handoff_set_in_the_settings_is_used_as_given(tmp_path, fake_embedder, value, kind, target):
    settings = Settings(handoff=value, handoff_label="Write to us")
    engine = _engine(tmp_path, fake_embedder, CONTACT_GUIDE, settings)
    h = engine.handoff()
    assert (h.kind, h.target, h.label) == (kind, target, "Write to us")
    assert engine.ask("zebra quantum saxophone").handoff == h  # every answer carries it
    assert handoff.link_of(h) == (target if kind == "link" else f"mailto:{target}")


def test_by_default_the_guides_own_contact_section_is_the_handoff(tmp_path, fake_embedder):
    h = _engine(tmp_path, fake_embedder, CONTACT_GUIDE).handoff()
    assert h is not None and h.kind == "section"
    assert "555-0199" in h.text and "Contact Customer Support" in h.label


DIRECTORY_GUIDE = """\
Gadget Help

Regional Support Lines

To contact customer support by phone, call the line of your region.

France: 555-0301
Germany: 555-0302
Spain: 555-0303

Writing To Us

To e-mail customer support, write to help@gadget.example and include your order number.
"""


def test_a_way_that_serves_every_visitor_is_preferred_to_one_places_phone_line(tmp_path, fake_embedder):
    h = _engine(tmp_path, fake_embedder, DIRECTORY_GUIDE).handoff()
    assert h is not None and "help@gadget.example" in h.text and "555-03" not in h.text


def _contact_answer(kind: str, text: str, confidence: float) -> Response:
    a = Answer(text, f"Help \u203a {kind} heading", kind, "g.txt", f"id-{kind}", (0, len(text)))
    return Response("q", False, confidence, a, [], [], [], None)


@pytest.mark.parametrize("entry_confidence", [0.99, 0.9, 0.7])
def test_one_places_line_gives_way_to_any_way_that_serves_everyone_however_sure(entry_confidence):
    line = _contact_answer("entry", "France: 555-0301", entry_confidence)
    for kind in ("section", "faq", "passage", "list"):
        other = _contact_answer(kind, "Write to help@gadget.example.", 0.66)
        assert handoff.best([line, other]).text == other.answer.text
        assert handoff.best([other, line]).text == other.answer.text
    assert handoff.best([line]).text == line.answer.text  # nothing else: that line is better than none


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("section heading\nWrite to help@gadget.example.", "Write to help@gadget.example."),  # its heading line
        ("SECTION HEADING \nWrite to help@gadget.example.", "Write to help@gadget.example."),
        ("Write to help@gadget.example.", "Write to help@gadget.example."),  # no heading line
        ("Section heading: write to help@gadget.example.", "Section heading: write to help@gadget.example."),
    ],
)
def test_a_sections_handoff_shows_its_heading_once(text, shown):
    """The heading is the hand-off's label: the text under it does not repeat it."""
    h, _kind = handoff.from_answer(_contact_answer("section", text, 0.9))
    assert h.label == "section heading" and h.text == shown


def test_a_contact_answer_is_taken_from_min_confidence_up_not_from_where_medium_starts():
    from faqrag.settings import Settings

    assert Settings().medium_from < handoff.MIN_CONFIDENCE  # what the comment beside it says
    text = "Write to help@gadget.example."
    assert handoff.from_answer(_contact_answer("section", text, handoff.MIN_CONFIDENCE)) is not None
    assert handoff.from_answer(_contact_answer("section", text, Settings().medium_from)) is None


def test_one_places_line_is_the_handoff_only_when_the_guide_has_nothing_else(tmp_path, fake_embedder):
    only_lines = DIRECTORY_GUIDE.split("Writing To Us")[0] + "\nE-mail Customer Support\n\nFrance: help@fr.example\n"
    h = _engine(tmp_path, fake_embedder, only_lines).handoff()
    assert h is not None and "help@fr.example" in h.text


def test_a_guide_without_a_contact_section_has_no_handoff_and_off_turns_it_off(tmp_path, fake_embedder):
    assert _engine(tmp_path, fake_embedder, "Notes\n\nSetting Up\n\nCharge it for two hours.\n").handoff() is None
    off = _engine(tmp_path, fake_embedder, CONTACT_GUIDE, Settings(handoff="off"), name="off")
    assert off.handoff() is None and off.ask("zebra quantum saxophone").handoff is None


@pytest.mark.parametrize(
    "value",
    ["javascript:alert(1)", "ftp://example.org", "www.example.org", "help at example.org", "a b@c.d", "http://", "on"],
)
def test_a_handoff_that_is_no_address_is_refused_in_one_line(value):
    with pytest.raises(FaqragError) as err:
        Settings.from_dict({"handoff": value})
    assert "handoff must be a web address" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("field", ["handoff", "handoff_label"])
@pytest.mark.parametrize(
    "value",
    [
        '"Contact \\ud800 us"',  # a lone surrogate: every answer's JSON would fail to encode
        '"https://x.example/\\u0000"',
        '"help@example.org\\u001b[31m"',
        '"Contact\\u009bus"',
        '"https://x.example/\\udfff"',
    ],
)
def test_a_handoff_holding_a_control_character_or_lone_surrogate_is_refused(field, value):
    with pytest.raises(FaqragError) as err:
        Settings.from_dict({field: loads(value)})
    assert f"setting {field} holds" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("value", [5, None, ["https://x.example"], "https://x.example/" + "a" * 600])
def test_a_handoff_of_the_wrong_type_or_size_is_refused_in_one_line(value):
    with pytest.raises(FaqragError, match="setting handoff must be text"):
        Settings.from_dict({"handoff": value})
