"""Short answers: the part of a chunk that answers, within 500 characters."""

from dataclasses import replace

import pytest

from faqrag.engine import Engine
from faqrag.index.build import build_index
from faqrag.index.store import load_index
from faqrag.search.answer_type import expected_types, value_kinds
from faqrag.settings import CONFIDENCE_FEATURES, Settings

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


def test_passage_answer_is_the_matching_sentences_not_the_paragraph(tmp_path, guide_corpus, fake_embedder):
    build_index(guide_corpus, tmp_path / "ix", fake_embedder)
    # A section longer than whole_section_chars is answered by its best sentences.
    engine = Engine(load_index(tmp_path / "ix"), fake_embedder, Settings(abstain_below=0.0, whole_section_chars=1))
    r = engine.ask("How long does the first charge take?")
    assert r.answer.kind == "section"
    assert r.answer.text.startswith("Getting Started\n")  # the heading says what the lines answer
    assert "The first charge takes about two hours." in r.answer.text
    assert "quick-start card" not in r.answer.text  # the paragraph's first sentence is not the answer


def test_long_list_answer_keeps_the_matching_item_and_its_lead_in(engine):
    r = engine.ask("replacement speaker part")
    assert r.answer.kind == "list" and len(r.answer.text) <= 500
    assert "replacement speaker" in r.answer.text
    assert r.answer.text.startswith("These parts can be ordered:")  # "Spare Parts" is the title here
    assert r.answer.source == "Spare Parts"


@pytest.mark.parametrize(
    ("written", "shown"),
    [("1. ", ["1.", "2.", "3."]), ("1) ", ["1)", "2)", "3)"]), ("- ", ["\u2022"] * 3), ("* ", ["\u2022"] * 3)],
)
@pytest.mark.parametrize("shape", ["list alone", "list in a section"])
def test_an_answer_from_a_list_writes_each_item_with_its_own_mark(tmp_path, fake_embedder, written, shown, shape):
    """Steps read with their numbers ("2. Hold the button"), bullets with a bullet:
    the order of steps is part of the answer."""
    steps = ["Unplug the widget from the wall", "Hold the reset button for ten seconds", "Plug it back in"]

    def line(n: int, text: str) -> str:
        mark = written.replace("1", str(n + 1))
        return f"{mark}{text}"

    lead = "To reset the widget:\n" + "\n".join(line(n, t) for n, t in enumerate(steps))
    filler = " ".join(f"Model {n} of the case is made of recycled plastic in colour {n}." for n in range(10))
    body = lead if shape == "list alone" else f"{filler}\n\n{lead}"
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "g.md").write_text(f"# Widget help\n\n## Resetting\n\n{body}\n", encoding="utf-8")
    build_index(tmp_path / "c", tmp_path / "ix", fake_embedder)
    engine = Engine(load_index(tmp_path / "ix"), fake_embedder, Settings(abstain_below=0.0))
    text = engine.ask("How do I reset the widget? Hold the reset button").answer.text
    for mark, step in zip(shown, steps):
        if step in text:
            assert f"{mark} {step}" in text, text
    assert "Hold the reset button for ten seconds" in text


def test_a_number_listed_twice_is_answered_by_its_directory_entry(tmp_path, guide_corpus, fake_embedder):
    (guide_corpus / "quick.txt").write_text("Quick Numbers\n\nBayview Hotline: 555-0201\nFax Line: 555-0999\n")
    build_index(guide_corpus, tmp_path / "ix", fake_embedder)
    engine = Engine(load_index(tmp_path / "ix"), fake_embedder, Settings(abstain_below=0.0))
    r = engine.ask("Bayview Hotline")
    # The entry with the hours answers, cited from its own place: never the
    # hours of one section under the source of another.
    assert r.answer.text.splitlines() == [
        "Bayview: 555-0201",
        "Hours: Mon-Sat 10 a.m.-6 p.m. local time",
        "Languages: English, Cornish",
    ]
    assert r.answer.doc == "acme-help.txt" and r.answer.source.endswith("Southern Region")


TROUBLE = """# Tool FAQ

## App crashes on startup

An update can leave a broken settings file behind. Deleting it solves the problem. Support staff see this often.

## Clear the cache

Run this command to clear the cache:

```
tool cache --clear
```

The next start is slower.

## Before you call

Have these ready:

- your account name
- the error message
"""


def _section_answer(heading: str, part_text: str) -> str:
    return _section_answer_with(heading, part_text, restated=False)


def _section_answer_with(heading: str, part_text: str, restated: bool) -> str:
    from faqrag.ingest.chunking import chunk_document
    from faqrag.ingest.parse import parse_guide
    from faqrag.records import Document
    from faqrag.settings import ChunkSettings

    _, blocks = parse_guide(TROUBLE, markdown=True)
    doc = Document("t.md", "Tool FAQ", "guide", TROUBLE, "")
    (c,) = [c for c in chunk_document(doc, blocks, ChunkSettings()) if c.question == heading]
    return f"{c.question}\n" + _window_answer(c, part_text, restated, 500 - len(c.question) - 1)


def _window_answer(c, part_text: str, opening: bool, room: int = 500, cosine: float = 1.0, words: bool = True) -> str:
    """The window of ``c`` chosen when the part holding ``part_text`` is all the
    evidence (its ``cosine`` to the question, and the question's words if ``words``)."""
    from faqrag.answer.window import Ask, PartEvidence, choose, write

    best = next(i for i in range(len(c.parts)) if part_text in c.part_text(i))
    parts = [
        PartEvidence(frozenset({1} if i == best else ()), frozenset(), cosine * (i == best))
        for i in range(len(c.parts))
    ]
    ask = Ask({1: 1.0} if words else {}, frozenset(), opening)
    return write(c, choose(c, parts, ask, Settings(), room), room)


@pytest.mark.parametrize(
    "heading, best, must_hold",
    [
        # A sentence that refers back carries the sentence it refers to.
        ("App crashes on startup", "Deleting it solves", "broken settings file"),
        # A code block carries the line that introduces it.
        ("Clear the cache", "tool cache --clear", "Run this command to clear the cache:"),
        # An item carries its lead-in, and the list stays whole and in order.
        ("Before you call", "the error message", "Have these ready:\n\u2022 your account name\n\u2022 the error"),
    ],
)
def test_an_answer_carries_the_context_its_best_part_needs(heading, best, must_hold):
    text = _section_answer(heading, best)
    assert text.startswith(heading + "\n") and best in text and must_hold in text


def test_a_sentence_that_stands_alone_starts_the_window_and_what_is_left_out_is_marked():
    text = _section_answer("App crashes on startup", "Support staff see this often.")
    assert text == "App crashes on startup\n\u2026 Support staff see this often."
    assert _section_answer("App crashes on startup", "An update can leave").startswith(
        "App crashes on startup\nAn update can leave"
    )


def test_question_answered_by_url_prefers_text_with_an_address():
    assert expected_types("What is the URL to register?") == {"url"}
    assert expected_types("How many days does shipping take?") == frozenset()  # a count, not a phone number
    assert {"url"} & value_kinds("Visit https://acme.example/register")
    assert not {"url"} & value_kinds("Visit our register page")
    assert expected_types("Which number do I call?") & value_kinds("Call 555-0101 today")


def test_source_drops_a_title_the_heading_repeats():
    from faqrag.answer.compose import source_of
    from faqrag.records import Chunk, Document

    doc = Document("g.txt", "Acme Help", "guide", "", "")
    chunk = Chunk("id", "g.txt", "entry", ("Acme Help Toll-Free Numbers", "Europe"), "x", (0, 1))
    assert source_of(doc, chunk) == "Acme Help \u203a Toll-Free Numbers \u203a Europe"


def test_title_is_dropped_only_as_a_whole_word():
    from faqrag.answer.compose import source_of
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


def test_a_question_asking_for_a_value_is_answered_by_a_unit_holding_one():
    from faqrag.answer.arrange import arrange
    from faqrag.records import Chunk, Document
    from faqrag.search.retrieve import Evidence, Hit

    kinds = [frozenset(), frozenset({"phone"}), frozenset({"phone"})]
    doc = Document("d.txt", "D", "guide", "", "")

    def ev(chunk, score, dense, lexical, role):
        c = Chunk(str(chunk), "d.txt", "passage", (), "", (0, 0))
        return Evidence(Hit(chunk, score, dense, lexical, role, 0.0), c, doc, frozenset(), kinds[chunk], {}, [])

    def order(found, types):
        return [e.hit.chunk for e in arrange(found, Settings(), types)]

    near = [ev(0, 0.60, 0.6, 0.5, -1), ev(1, 0.55, 0.5, 0.5, 0), ev(2, 0.40, 0.4, 0.3, 0)]
    assert order(near, frozenset({"phone"}))[:1] == [1]
    # Too far below the top, or nothing asked for: the order stands.
    far = [ev(0, 0.60, 0.6, 0.5, -1), ev(2, 0.40, 0.4, 0.3, 0)]
    assert order(far, frozenset({"phone"})) == [0, 2]
    assert order(near, frozenset()) == [0, 1, 2]


def test_what_is_asked_beyond_the_names_must_be_in_the_top_hit(engine):
    asked = _features(engine, "What are the hours in Bayview?")
    not_covered = _features(engine, "What is the capital of Bayview?")
    assert asked["names"] == not_covered["names"] == 1.0  # both name what the entry names
    assert not_covered["ask"] < asked["ask"]


def test_a_number_several_entries_share_does_not_borrow_one_of_their_hours(tmp_path, fake_embedder):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "d.txt").write_text(
        "Numbers\n\nQuick List\n\nGlobal Desk: 555-0900\n\nDirectory\n\nNorth\n\nAlpha: 555-0900\nHours: 9-5 NST\n\n"
        "South\n\nBeta: 555-0900\nHours: 8-4 SST\n"
    )
    build_index(corpus, tmp_path / "ix", fake_embedder)
    engine = Engine(load_index(tmp_path / "ix"), fake_embedder, Settings(abstain_below=0.0))
    r = engine.ask("Global Desk number")
    assert r.answer.text == "Global Desk: 555-0900"  # not Alpha's or Beta's hours under its own source


def test_how_many_passages_are_asked_for_does_not_change_the_answer_or_confidence(engine):
    for q in ("How do I reset my widget?", "Bayview phone", "Who painted the Mona Lisa?"):
        few, many = engine.ask(q, k=1), engine.ask(q, k=50)  # past the top ten confidence looks at
        assert few.confidence == many.confidence and few.abstained == many.abstained
        assert (few.answer and few.answer.text) == (many.answer and many.answer.text)


def test_a_unit_whose_own_heading_matched_is_answered_from_its_opening():
    text = _section_answer_with("Clear the cache", "The next start is slower.", restated=True)
    assert text.startswith("Clear the cache\nRun this command to clear the cache:\ntool cache --clear")


def test_a_long_faq_answer_not_matched_on_its_question_gives_the_window_of_its_evidence():
    from faqrag.ingest.chunking import chunk_document
    from faqrag.ingest.parse import parse_guide
    from faqrag.records import Document
    from faqrag.settings import ChunkSettings

    body = " ".join(f"Filler sentence number {i} says little." for i in range(20)) + " The fee is 7 euros."
    guide = f"Help\n\nFAQs\n\nWhat does it cost?\n\n{body}\n"
    _, blocks = parse_guide(guide)
    (c,) = chunk_document(Document("g.txt", "Help", "guide", guide, ""), blocks, ChunkSettings())
    assert "The fee is 7 euros." in _window_answer(c, "The fee", opening=False, cosine=0.3, words=False)
    # Its own question matched: its opening, unless a later window's evidence outweighs the opening's bonus.
    opening = _window_answer(c, "The fee", opening=True, cosine=0.3, words=False)
    assert opening.startswith("Filler sentence number 0") and "The fee is 7 euros." not in opening
    assert "The fee is 7 euros." in _window_answer(c, "The fee", opening=True, cosine=1.0)


def test_a_section_is_matched_by_bm25_block_by_block():
    from faqrag.ingest.chunking import chunk_document
    from faqrag.ingest.parse import parse_guide
    from faqrag.records import Document
    from faqrag.search.lexical import lexical_texts
    from faqrag.settings import ChunkSettings

    _, blocks = parse_guide(TROUBLE, markdown=True)
    chunks = chunk_document(Document("t.md", "Tool FAQ", "guide", TROUBLE, ""), blocks, ChunkSettings())
    (cache,) = [c for c in chunks if c.question == "Clear the cache"]
    texts = lexical_texts(cache)
    assert len(texts) == 2 and all(t.startswith("Clear the cache ") for t in texts)  # code with its lead; the last line


def test_a_name_the_corpus_never_uses_counts_against_confidence(engine):
    assert _features(engine, "What is the Zorblax phone number?")["known_names"] == 0.0
    assert _features(engine, "What is the Bayview phone number?")["known_names"] == 1.0


def test_hits_past_the_top_ten_never_change_what_answers_or_how_sure():
    # The engine searches max(k, 10) hits; a strong FAQ question match at rank 11
    # (only seen when k > 10) must not change the answer or the confidence.
    from faqrag.answer.compose import compose
    from faqrag.answer.confidence import GAP_HITS

    eng = _engine_for_compose()
    q = "Bayview phone"
    qvec = eng.embedder.encode([q])[0]
    terms = eng.retriever.lexical.terms(q)
    hits = eng.retriever.search(qvec, terms, GAP_HITS)
    faq = next(i for i, c in enumerate(eng.stored.chunks) if c.kind == "faq")
    late = replace(hits[-1], chunk=faq, question_sim=0.99, score=0.01)
    few = compose(q, eng.retriever.evidence(hits, qvec), terms, eng.settings, 5)
    many = compose(q, eng.retriever.evidence(hits + [late], qvec), terms, eng.settings, 11)
    assert few.confidence == many.confidence
    assert few.answer.chunk_id == many.answer.chunk_id


def _engine_for_compose():
    import tempfile
    from pathlib import Path

    from conftest import GUIDE, FakeEmbedder

    root = Path(tempfile.mkdtemp())
    (root / "c").mkdir()
    (root / "c" / "g.txt").write_text(GUIDE, encoding="utf-8")
    emb = FakeEmbedder()
    build_index(root / "c", root / "ix", emb)
    return Engine(load_index(root / "ix"), emb, Settings(abstain_below=0.0))
