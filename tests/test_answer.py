"""Short answers: the part of a chunk that answers, within 500 characters."""

import pytest

from faqrag.answer_type import expected_types, value_kinds
from faqrag.engine import Engine
from faqrag.settings import CONFIDENCE_FEATURES, Settings
from faqrag.store import build_index, load_index

LONG_LIST = (
    "Spare Parts\n\nThese parts can be ordered:\n\n"
    + "\n".join(
        f"- Part number {n}: a replacement {name} for the widget, shipped within five working days of the order"
        for n, name in enumerate(["lid", "hinge", "battery", "screen", "strap", "button", "speaker", "sensor"], 1)
    )
    + "\n"
)


@pytest.fixture
def engine(tmp_path, guide_corpus, fake_embedder):
    (guide_corpus / "parts.md").write_text(LONG_LIST)
    build_index(guide_corpus, tmp_path / "ix", fake_embedder)
    return Engine(load_index(tmp_path / "ix"), fake_embedder, Settings(abstain_below=0.0))


def test_passage_answer_is_the_matching_sentences_not_the_paragraph(engine):
    r = engine.ask("How long does the first charge take?")
    assert r.answer.kind == "passage"
    assert "The first charge takes about two hours." in r.answer.text
    assert "quick-start card" not in r.answer.text  # the paragraph's first sentence is not the answer


def test_long_list_answer_keeps_the_matching_item_and_its_lead_in(engine):
    r = engine.ask("replacement speaker part")
    assert r.answer.kind == "list" and len(r.answer.text) <= 500
    assert "replacement speaker" in r.answer.text
    assert r.answer.text.startswith("These parts can be ordered:")  # "Spare Parts" is the title here
    assert r.answer.source == "Spare Parts"


def test_a_number_listed_twice_brings_the_directory_hours(tmp_path, guide_corpus, fake_embedder):
    (guide_corpus / "quick.txt").write_text("Quick Numbers\n\nBayview Hotline: 555-0201\nFax Line: 555-0999\n")
    build_index(guide_corpus, tmp_path / "ix", fake_embedder)
    engine = Engine(load_index(tmp_path / "ix"), fake_embedder, Settings(abstain_below=0.0))
    r = engine.ask("Bayview Hotline")
    assert r.answer.text.splitlines() == [
        "Bayview Hotline: 555-0201",
        "Hours: Mon-Sat 10 a.m.-6 p.m. local time",
        "Languages: English, Cornish",
    ]
    assert r.answer.doc == "quick.txt"


def test_question_answered_by_url_prefers_text_with_an_address():
    assert expected_types("What is the URL to register?") == {"url"}
    assert expected_types("How many days does shipping take?") == frozenset()  # a count, not a phone number
    assert {"url"} & value_kinds("Visit https://acme.example/register")
    assert not {"url"} & value_kinds("Visit our register page")
    assert expected_types("Which number do I call?") & value_kinds("Call 555-0101 today")


def test_source_drops_a_title_the_heading_repeats():
    from faqrag.answer import source_of
    from faqrag.records import Chunk, Document

    doc = Document("g.txt", "Acme Help", "guide", "", "")
    chunk = Chunk("id", "g.txt", "entry", ("Acme Help Toll-Free Numbers", "Europe"), "x", (0, 1))
    assert source_of(doc, chunk) == "Acme Help \u203a Toll-Free Numbers \u203a Europe"


def test_title_is_dropped_only_as_a_whole_word():
    from faqrag.answer import source_of
    from faqrag.records import Chunk, Document

    doc = Document("g.txt", "Help", "guide", "", "")
    chunk = Chunk("id", "g.txt", "entry", ("Helpline Numbers",), "x", (0, 1))
    assert source_of(doc, chunk) == "Help \u203a Helpline Numbers"


@pytest.mark.parametrize(
    "question, names",
    [
        ("Does the shop give cash back at Costco?", ["Costco"]),
        ("What is the US number? I live in Poland.", ["US", "Poland"]),  # not the second sentence's "I"
        ("My app crashed at 2am", ["2am"]),
        ("Toll-Free Number For Bayview", []),  # Title Case: capitals say nothing
        ("bayview phone", []),
        ("What does McDonald's serve?", ["McDonald"]),
        ("What is the eBay support number?", ["eBay"]),
        ("US hours please", ["US"]),  # all capitals after the first letter: an acronym anywhere
    ],
)
def test_names_are_capitalised_words_acronyms_and_numbers_inside_a_question(question, names):
    from faqrag.text import names_in

    assert names_in(question) == names


def _features(engine, question):
    qvec = engine.embedder.encode([question])[0]
    return dict(zip(CONFIDENCE_FEATURES, engine.confidence_features(question, qvec), strict=True))


def test_a_name_the_top_passage_does_not_mention_counts_against_it(engine):
    named = _features(engine, "What is the phone number for Bayview?")
    unnamed = _features(engine, "What is the phone number for Zedville?")
    assert named["names"] == 1.0 and unnamed["names"] == 0.0
    assert _features(engine, "what is the phone number")["names"] == 1.0  # names nothing: neutral


def test_one_clear_best_match_stands_further_above_the_rest(engine):
    clear = _features(engine, "How do I reset my widget?")
    vague = _features(engine, "quantum chromodynamics lecture schedule")
    assert clear["dense_gap"] > vague["dense_gap"] >= 0.0


def test_faq_entries_are_listed_only_when_close_to_the_best_hit(engine):
    r = engine.ask("How do I reset my widget?")
    top = r.passages[0].score
    assert r.faq and all(f.score >= top - engine.settings.faq_list_within for f in r.faq)
    loose = Engine(engine.stored, engine.embedder, Settings(abstain_below=0.0, faq_list_within=1.0))
    r_loose = loose.ask("How do I reset my widget?")
    assert len(r_loose.faq) > len(r.faq)  # the margin, not the corpus, is what left the others out
