"""A long unit's short answer: the window of at most 500 characters with the
most evidence, by class of unit (section, FAQ entry, passage) and place of the
evidence (opening, middle, end)."""

from __future__ import annotations

import random

import pytest

from faqrag.answer.window import ELLIPSIS, Ask, PartEvidence, choose, write
from faqrag.engine import Engine
from faqrag.index.build import build_index
from faqrag.index.store import load_index
from faqrag.records import ITEM, LEAD, SENTENCE, Chunk
from faqrag.settings import Settings
from faqrag.text import leans_back

FILLER = [
    "Keep the gadget away from strong magnets while it starts.",
    "Most owners never need more than the steps on the card.",
    "The gadget remembers up to eight phones at a time.",
    "A soft chime plays when the battery is nearly empty.",
    "Firmware updates arrive over the air every few months.",
    "The rubber feet stop the gadget from sliding on a desk.",
    "Cleaning the case with a dry cloth keeps the sensors clear.",
    "Spare cables are sold separately in the online store.",
    "The status light turns amber while an update installs.",
    "Owners in cold climates should let the gadget warm up first.",
    "The warranty card lists the serial number and purchase date.",
    "Travel cases protect the gadget from knocks in a bag.",
]
DETAIL = "The pairing code is printed under the battery cover."
OPENING = "Hold the round button until the light blinks twice, then choose the gadget on your phone."


def _body(where: str) -> list[str]:
    """The answer's sentences, the detail at the opening, in the middle or at the end."""
    filler = list(FILLER)
    at = {"opening": 1, "middle": len(filler) // 2, "end": len(filler)}[where]
    return [OPENING] + filler[: at - 1] + [DETAIL] + filler[at - 1 :]


def _corpus(tmp_path, kind: str, where: str):
    corpus = tmp_path / "c"
    corpus.mkdir()
    body = " ".join(_body(where))
    if kind == "section":
        (corpus / "g.md").write_text(f"# Gadget help\n\n## How do I pair the gadget?\n\n{body}\n", encoding="utf-8")
    elif kind == "faq":
        (corpus / "f.csv").write_text(f'question,answer\nHow do I pair the gadget?,"{body}"\n', encoding="utf-8")
    else:  # a passage under a heading that is no question, longer than an answer
        (corpus / "g.txt").write_text(f"Gadget help\n\nAbout pairing\n\n{body[:690]}\n", encoding="utf-8")
    return corpus


@pytest.fixture
def engine_for(tmp_path, fake_embedder):
    def make(kind: str, where: str) -> Engine:
        build_index(_corpus(tmp_path, kind, where), tmp_path / "ix", fake_embedder)
        return Engine(load_index(tmp_path / "ix"), fake_embedder, Settings(abstain_below=0.0))

    return make


@pytest.mark.parametrize("kind", ["section", "faq", "passage"])
@pytest.mark.parametrize("where", ["opening", "middle", "end"])
def test_a_detail_anywhere_in_a_long_unit_is_in_its_short_answer(engine_for, kind, where):
    if kind == "passage" and where == "end":
        pytest.skip("a passage is cut to its chunk's length; its end is another chunk")
    r = engine_for(kind, where).ask("Where is the pairing code printed?")
    assert DETAIL in r.answer.text and len(r.answer.text) <= 500
    if where != "opening":
        assert (ELLIPSIS + " ") in r.answer.text  # text left out before the window says so


@pytest.mark.parametrize("kind", ["section", "faq"])
@pytest.mark.parametrize("where", ["middle", "end"])
def test_a_long_unit_asked_its_own_question_answers_from_its_opening(engine_for, kind, where):
    r = engine_for(kind, where).ask("How do I pair the gadget?")
    text = r.answer.text.removeprefix("How do I pair the gadget?\n")
    assert text.startswith(OPENING) and text.endswith(ELLIPSIS) and len(r.answer.text) <= 500


def _unit(sizes: list[int], roles: list[str], groups: list[int], texts: list[str] | None = None) -> Chunk:
    texts = texts or ["w" * n for n in sizes]
    parts, pos, lines = [], 0, []
    for t in texts:
        parts.append((pos, pos + len(t)))
        lines.append(t)
        pos += len(t) + 1
    return Chunk(
        "u",
        "d",
        "section",
        ("H",),
        "\n".join(lines),
        (0, pos),
        "H",
        "",
        "",
        (),
        tuple(parts),
        tuple(roles),
        tuple(groups),
    )


def _evidence(n: int, hot: int) -> list[PartEvidence]:
    return [
        PartEvidence(frozenset({7}) if i == hot else frozenset(), frozenset(), 0.9 if i == hot else 0.1)
        for i in range(n)
    ]


@pytest.mark.parametrize("seed", range(40))
def test_every_window_fits_holds_its_evidence_and_the_context_its_parts_need(seed):
    rng = random.Random(seed)
    n = rng.randint(3, 30)
    roles, groups, texts = [], [], []
    group = 0
    for i in range(n):
        kind = rng.choice([SENTENCE, SENTENCE, ITEM, LEAD])
        if kind == LEAD or (kind == ITEM and (not roles or roles[-1] not in (LEAD, ITEM))):
            group += 1
            roles.append(LEAD)
            texts.append(f"Lead-in {i}:")
        else:
            roles.append(kind)
            opener = rng.choice(["This also holds.", "Then it works.", "A plain fact stands."])
            texts.append(opener + " " + "x" * rng.randint(5, 160))
        groups.append(group)
    c = _unit([], roles, groups, texts)
    hot = rng.randrange(n)
    ask = Ask({7: 1.0}, frozenset(), rng.random() < 0.3)
    window = choose(c, _evidence(n, hot), ask, Settings(), 480)
    text = write(c, window, 480)
    assert len(text) <= 480 and window == sorted(window)
    if not ask.opening and len(c.part_text(hot)) < 300:
        assert hot in window
    for i in window:
        if roles[i] == ITEM:  # an item keeps its lead-in
            assert any(roles[j] == LEAD and groups[j] == groups[i] for j in window)
    first = window[0]
    if first > 0 and roles[first] == SENTENCE and leans_back(c.part_text(first)):
        # Only as the antecedent another sentence needed (context goes two sentences back at most).
        nxt = first + 1
        assert nxt in window and roles[nxt] in (SENTENCE,) and leans_back(c.part_text(nxt)), c.part_text(first)


def test_a_part_longer_than_an_answer_is_cut_at_a_word_and_marked():
    words = " ".join(f"word{i}" for i in range(200))
    c = _unit([], [SENTENCE, SENTENCE], [0, 0], [words, "Short end."])
    window = choose(c, _evidence(2, 0), Ask({7: 1.0}, frozenset(), False), Settings(), 300)
    text = write(c, window, 300)
    assert len(text) <= 300 and text.endswith(ELLIPSIS) and text.startswith("word0 word1")


@pytest.mark.parametrize("n", [401, 5_000, 20_000])
@pytest.mark.parametrize("shape", ["sentences", "one list"])
def test_a_unit_of_thousands_of_parts_answers_from_the_part_asked_about(n, shape):
    """A huge FAQ answer (thousands of sentences or items) is searched only near its
    best parts; the window still holds the part asked about and what it needs."""
    rng = random.Random(n)
    if shape == "sentences":
        roles, groups = [SENTENCE] * n, [0] * n
        texts = [f"Plain filler sentence number {i}." for i in range(n)]
    else:
        roles, groups = [LEAD] + [ITEM] * (n - 1), [1] * n
        texts = ["The options are:"] + [f"option {i}" for i in range(1, n)]
    for hot in (rng.randrange(1, n), n - 1):
        c = _unit([], roles, groups, texts)
        window = choose(c, _evidence(n, hot), Ask({7: 1.0}, frozenset(), False), Settings(), 480)
        assert hot in window and len(write(c, window, 480)) <= 480
        if shape == "one list":
            assert 0 in window  # the items' lead-in
