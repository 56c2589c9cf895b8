"""The main page as a visitor meets it (AppTest, fake model, guides written here):
the question an answer answers, the way to a person, and no noise under an answer."""

from __future__ import annotations

import json

import pytest
from test_app import ask, page_text, start
from test_framing import CONTACT_GUIDE

from faqrag import env
from faqrag.index.build import build_index
from faqrag.learn import qlog


@pytest.fixture
def contact_index(tmp_path, fake_embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "guide.txt").write_text(CONTACT_GUIDE, encoding="utf-8")
    (corpus / "faq.csv").write_text(
        "question,answer\nHow do I reset my gadget?,Hold the power button for ten seconds.\n"
        "Can the gadget get wet?,No. Keep it dry.\n",
        encoding="utf-8",
    )
    index = tmp_path / "index"
    build_index(corpus, index, fake_embedder)
    return index


def _html(at) -> str:
    return "\n".join(h.value for h in at.html)


def test_the_card_shows_the_question_an_answer_answers(monkeypatch, tmp_path, built_index, use_fake_model):
    at = ask(start(monkeypatch, built_index, tmp_path / "corpus"), "widget reset button hold")
    assert "Answers the question \u201cHow do I reset my widget?\u201d" in _html(at)
    at = ask(at, "How do I reset my widget?")  # asked in its own words: not repeated
    assert "Answers the question" not in _html(at)


def test_under_a_decline_the_guides_contact_section_is_the_way_to_a_person_and_logged(
    monkeypatch, tmp_path, contact_index, use_fake_model
):
    monkeypatch.delenv(qlog.ENV, raising=False)
    at = ask(start(monkeypatch, contact_index, tmp_path / "corpus"), "zebra quantum saxophone")
    assert any("does not cover" in w.value for w in at.warning)
    assert "Need a person?" in page_text(at) and "555-0199" in _html(at)
    assert "Did this answer" not in page_text(at)
    [row] = qlog.recent(tmp_path / "logs.db")
    assert row.abstained and row.handed_off


def test_after_no_the_way_to_a_person_from_the_settings_is_shown_and_logged(
    monkeypatch, tmp_path, contact_index, use_fake_model
):
    monkeypatch.delenv(qlog.ENV, raising=False)
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"handoff": "https://help.example/form", "handoff_label": "Ask our team"}))
    monkeypatch.setenv(env.SETTINGS, str(settings))
    at = ask(start(monkeypatch, contact_index, tmp_path / "corpus"), "How do I reset my gadget?")
    assert "Need a person?" not in page_text(at)  # not before the visitor says the answer did not help
    at.button(key="helpful-no").click().run(timeout=60)
    assert not at.exception
    assert "Need a person?" in page_text(at)
    [link] = [b for b in at.get("link_button") if b.proto.url == "https://help.example/form"]
    assert "Ask our team" in link.proto.label
    [row] = qlog.recent(tmp_path / "logs.db")
    assert row.helpful is False and row.handed_off


def test_a_bad_settings_file_is_one_line_on_the_page(monkeypatch, tmp_path, contact_index, use_fake_model):
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"handoff": "javascript:alert(1)"}))
    monkeypatch.setenv(env.SETTINGS, str(settings))
    at = start(monkeypatch, contact_index, tmp_path / "corpus")
    [error] = at.error
    assert "handoff must be a web address" in error.value.replace("\\", "") and str(tmp_path) not in error.value


def test_no_noise_under_an_answer(monkeypatch, tmp_path, contact_index, use_fake_model):
    at = start(monkeypatch, contact_index, tmp_path / "corpus")
    assert "InputInstructions" not in _html(at)  # before a question, "Press Enter" helps
    at = ask(at, "gadget wet reset")
    html = _html(at)
    assert "InputInstructions" in html  # hidden once an answer is shown
    # The other FAQ entry is listed once, under "Matching FAQ entries", not again as a passage;
    # passages far below the answer are listed apart, as weaker matches.
    assert [h.value for h in at.subheader] == ["Matching FAQ entries", "Weaker matches"]
    assert sum(h.value == '<div class="fq-text ">Hold the power button for ten seconds.</div>' for h in at.html) == 1
    assert 'fq-source">1. Gadget Help' in html and ". Faq " not in html  # no FAQ entry among the passages


def test_numbers_do_not_wrap_mid_number(monkeypatch, tmp_path, contact_index, use_fake_model):
    at = ask(start(monkeypatch, contact_index, tmp_path / "corpus"), "How do I contact customer support?")
    assert '<span class="fq-nowrap">555-0199</span>' in _html(at)
