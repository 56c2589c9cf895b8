"""Places without guessing, by class on directories written here: a place is
answered by its own entry, or by what the directory says for places it does
not list, or declined saying it lists none; never by another place's entry,
and "from X" reads as "in X"."""

from __future__ import annotations

import pytest

from faqrag.engine import Engine
from faqrag.index.build import build_index
from faqrag.index.store import load_index
from faqrag.settings import Settings

DIRECTORY = """\
Help Centre

Contact Directory

Europe

Germany: 555-0101
France: 555-0102
Spain: 555-0103
Hours: Mon-Fri 9-5 CET

Asia

Japan: 555-0201
India: 555-0202
Hours: Mon-Fri 9-5 IST

North America

United States: 555-0301
Mexico: 555-0302
Hours: Mon-Fri 8-4 ET
"""
CATCH_ALL = """
Other Countries

For countries not listed above, call the international line: 555-0999.
"""
ENTRIES = {
    "germany": "Germany: 555-0101",
    "france": "France: 555-0102",
    "spain": "Spain: 555-0103",
    "japan": "Japan: 555-0201",
    "india": "India: 555-0202",
    "united states": "United States: 555-0301",
    "mexico": "Mexico: 555-0302",
}
ASKS = ("Which number do I call from {}?", "Which number do I call in {}?", "What is the phone number in {}?")


def _engine(tmp_path, fake_embedder, catch_all: bool) -> Engine:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "d.txt").write_text(DIRECTORY + (CATCH_ALL if catch_all else ""), encoding="utf-8")
    build_index(corpus, tmp_path / "ix", fake_embedder)
    return Engine(load_index(tmp_path / "ix"), fake_embedder, Settings(abstain_below=0.0))


@pytest.fixture
def directory(tmp_path, fake_embedder):
    return _engine(tmp_path, fake_embedder, catch_all=True)


@pytest.fixture
def bare_directory(tmp_path, fake_embedder):
    return _engine(tmp_path, fake_embedder, catch_all=False)


def _other_entries(text: str, own: str | None) -> list[str]:
    return [line for key, line in ENTRIES.items() if key != own and line in text]


@pytest.mark.parametrize(
    "place, country",
    [("Germany", "germany"), ("France", "france"), ("Japan", "japan"), ("Mexico", "mexico")]  # listed countries
    + [("Munich", "germany"), ("Lyon", "france"), ("Osaka", "japan"), ("Guadalajara", "mexico")],  # their cities
)
def test_a_listed_place_or_a_city_in_it_is_answered_by_its_own_entry(directory, place, country):
    answers = {directory.ask(ask.format(place)).answer.text for ask in ASKS}
    assert len(answers) == 1, answers  # "from X", "in X", "phone number in X": one answer
    (text,) = answers
    assert text.startswith(ENTRIES[country]) and not _other_entries(text, country)


@pytest.mark.parametrize(
    "place",
    ["Sweden", "Poland", "Italy"]  # unlisted countries of a continent the directory lists
    + ["Chile", "Kenya", "Canada", "Australia"]  # of continents it does not (or other regions of one it does)
    + ["Stockholm", "Warsaw", "Nairobi", "Toronto"],  # cities of unlisted countries
)
def test_an_unlisted_place_is_answered_by_what_the_directory_says_for_places_it_does_not_list(directory, place):
    for ask in ASKS:
        r = directory.ask(ask.format(place))
        assert r.answer and "international line: 555-0999" in r.answer.text, (ask, r.answer)
        assert not _other_entries(r.answer.text, None)  # never a neighbour's number
        assert "a country not listed" in (r.read_as or "")


@pytest.mark.parametrize("place", ["Sweden", "Poland", "Chile", "Stockholm", "Nairobi"])
def test_without_a_word_for_unlisted_places_an_unlisted_place_is_declined_saying_so(bare_directory, place):
    for ask in ASKS:
        r = bare_directory.ask(ask.format(place))
        assert r.answer is None or not _other_entries(r.answer.text, None), (ask, r.answer)
        if r.abstained:
            assert r.reason and "no entry" in r.reason and r.label is None


def test_a_question_naming_no_place_is_answered_as_before(directory):
    r = directory.ask("What are the opening hours in the CET time zone?")
    assert r.answer and "CET" in r.answer.text and r.reason is None


@pytest.mark.parametrize("question", ["Which number do I call from Sweden?", "What is the phone number in Lyon?"])
def test_passages_moved_for_a_place_still_read_in_score_order(directory, question):
    scores = [p.score for p in directory.ask(question, k=10).passages]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("question", ["What is the best pizza in Munich?", "Who was the first king of France?"])
def test_a_listed_place_declined_for_another_reason_is_not_said_to_be_missing(bare_directory, question):
    r = Engine(bare_directory.stored, bare_directory.embedder, Settings(abstain_below=0.99)).ask(question)
    assert r.abstained and r.reason is None  # the directory lists the place; it just does not answer this
