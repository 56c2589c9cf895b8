"""Questions read as the corpus words them: misspellings and place names."""

from faqrag.search.places import Places
from faqrag.search.spelling import Speller

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


def test_contractions_are_not_misspellings_and_a_corrected_name_keeps_its_capital():
    from faqrag.search.spelling import Speller

    sp = Speller("the app does not open was paid wash germany".split())
    fixed = [(c.typed, c.corrected) for c in sp.corrections("Why doesn't it open? Why wasn’t I paid? Germny")]
    assert fixed == [("Germny", "Germany")]


def test_the_english_word_list_is_every_word_of_its_file():
    """english_words reads the file as "word count" lines; another shape would
    silently mix counts in with the words."""
    from importlib import resources

    from faqrag.search.spelling import english_words

    lines = (resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt").read_text("utf-8").splitlines()
    assert english_words() == frozenset(line.split(" ", 1)[0] for line in lines if line)
    assert {"taxes", "mobile", "the"} <= english_words() and not any(w.isdigit() for w in english_words())


def test_words_that_are_part_of_a_longer_name_or_capitalised_by_position_are_not_places():
    from faqrag.search.spelling import english_words

    places = Places(["United Kingdom: 0800", "United States: 1-800", "Europe", "Germany: 0800", "Canada: 1-800"])
    common = english_words().__contains__
    for question in (
        "I am in New York",  # not the York of another country
        "Split payment between two cards?",  # a capital at the start says nothing
        "Mobile app crashes",
        "Is Acme Mobile down?",  # part of a longer name
        "Victoria, Canada",  # the country named says where
    ):
        assert places.resolve(question, is_common_word=common) == [], question
    assert [r.place for r in places.resolve("calling from Munich", is_common_word=common)] == ["Germany"]


def test_the_engine_reads_the_question_as_the_corpus_words_it(tmp_path, fake_embedder):
    from faqrag.engine import Engine
    from faqrag.index.build import build_index
    from faqrag.index.store import load_index
    from faqrag.settings import Settings

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "lines.txt").write_text(
        "Support Lines\n\nEurope\n\nGermany: 555-0101\nFrance: 555-0102\nHours: Mon-Fri 9-5\n\n"
        "Americas\n\nCanada: 555-0201\nMexico: 555-0202\nHours: Mon-Fri 8-4\n"
    )
    build_index(corpus, tmp_path / "ix", fake_embedder)
    engine = Engine(load_index(tmp_path / "ix"), fake_embedder, Settings(abstain_below=0.0))
    typo = engine.ask("germny support line")
    assert typo.read_as == "germny \u2192 germany" and typo.answer.text.startswith("Germany: 555-0101")
    city = engine.ask("support line for Munich")
    assert city.read_as == "Munich \u2192 Germany" and city.answer.text.startswith("Germany: 555-0101")
    assert engine.ask("support line for Germany").read_as is None
