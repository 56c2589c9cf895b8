"""Questions read as the corpus words them: misspellings and place names."""

from faqrag.places import Places
from faqrag.spelling import Speller

CORPUS = ["Germany: 0800-182-1919", "Europe", "Call the phone number in Germany", "Send faxes to 555-0999"]


def test_misspelt_words_are_corrected_to_corpus_words():
    sp = Speller(w for t in CORPUS for w in t.split())
    fixed = {c.typed: c.corrected for c in sp.corrections("germny phne numbr")}
    assert fixed == {"germny": "germany", "phne": "phone", "numbr": "number"}


def test_english_words_short_words_and_codes_are_never_corrected():
    sp = Speller(w for t in CORPUS for w in t.split())
    # "taxes" is one edit from the corpus's "faxes"-like words but is English; "fex" is too short.
    assert sp.corrections("taxes fex 0800-182-1818 GERMANY") == []


def test_a_city_resolves_to_its_country_and_a_country_to_its_continent():
    places = Places(CORPUS)
    assert [(r.mentioned, r.place) for r in places.resolve("Which number do I call from Munich?")] == [
        ("Munich", "Germany")
    ]
    assert [(r.mentioned, r.place) for r in places.resolve("support in Poland")] == [("Poland", "Europe")]
    assert places.resolve("support in Germany") == []  # the corpus names it already


def test_a_corpus_without_places_resolves_nothing():
    assert Places(["Reset the widget by holding the button."]).resolve("I live in Munich") == []


def test_a_city_named_like_a_common_word_needs_a_capital():
    places = Places(CORPUS + ["United States"])
    common = {"mobile"}.__contains__
    assert places.resolve("my mobile phone", is_common_word=common) == []
    assert [r.place for r in places.resolve("calling from Mobile", is_common_word=common)] == ["United States"]
