"""The Streamlit page, driven through ``streamlit.testing.v1.AppTest``.

Helper tests are plain and fast. Page tests with the fake model use the small
guide from conftest (so the page is shown to work on any corpus); page tests
marked ``integration`` use the real model on the real guide, indexed once per
session.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from faqrag import env, page
from faqrag.engine import Engine
from faqrag.search.answer_type import quotes_contact_details
from faqrag.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
CORPUS = ROOT / "corpus"
COVERED = "What is the support number in the UK?"
UNCOVERED = "Who painted the Mona Lisa?"


def _load_app_module():
    # Imported under another name so its `if __name__ == "__main__"` page does not run.
    spec = importlib.util.spec_from_file_location("faqrag_app", APP)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


app = _load_app_module()


def page_text(at: AppTest) -> str:
    """Everything the page says, roughly as a person reads it (HTML bodies included, unrendered)."""
    parts = [
        e.value
        for kind in ("text", "markdown", "caption", "info", "warning", "error", "success", "html")
        for e in at.get(kind)
    ]
    parts += [b.label for b in at.button]
    return "\n".join(str(p) for p in parts)


def start(monkeypatch, index: Path, corpus: Path = CORPUS) -> AppTest:
    monkeypatch.setenv("FAQRAG_INDEX", str(index))
    monkeypatch.setenv("FAQRAG_CORPUS", str(corpus))
    at = AppTest.from_file(str(APP)).run(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.text_input(key=app.BOX).input(question)
    at.form_submit_button[0].click().run(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(scope="module", autouse=True)
def torch_threads_restored():
    """The page puts torch on one thread for its process; give later test files the default back."""
    torch = sys.modules.get("torch")
    before = torch.get_num_threads() if torch else None
    yield
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(before or os.cpu_count() or 1)


# ------------------------------------------------------------------ helpers


def test_md_escape_leaves_nothing_for_markdown_to_interpret():
    out = page.md_escape("**b** _i_ [l](http://x) <b>h</b> $x$ :red[x] :smile: 1. item")
    for raw in ("**", "_i_", "](", "<b>", "$x$", ":red", ":smile:"):
        assert raw not in out
    assert out.replace("\\", "").replace("\u200b", "") == "**b** _i_ [l](http://x) <b>h</b> $x$ :red[x] :smile: 1. item"


def test_as_html_escapes_everything_but_our_mark():
    out = page.as_html("<script>alert(1)</script> & more", mark=(0, 8))
    assert "<script>" not in out
    assert out.count("<mark>") == 1 and "<mark>&lt;script&gt;</mark>" in out
    assert "&amp; more" in out


@pytest.mark.parametrize(
    ("text", "address", "after"),
    [
        ("Write to help@example.com.", "help@example.com", "</a>."),  # the full stop stays text
        ("Mail first.last+tag@mail.example.co.uk today", "first.last+tag@mail.example.co.uk", "</a> today"),
        ("id 12345678901@example.org", "12345678901@example.org", "</a>"),  # digits stay in the link
        ('"<b>x@example.net</b>"', "x@example.net", "</a>&lt;/b&gt;"),
    ],
)
def test_an_email_address_in_shown_text_is_a_mailto_link(text, address, after):
    out = page.as_html(text)
    assert f'<a href="mailto:{address}">{address}{after}' in out
    assert out.count("<a ") == 1 and "<b>" not in out and "fq-nowrap" not in out


def test_text_that_is_not_an_address_gets_no_link():
    for text in ("an @ sign alone", "user@localhost", "a@b", "javascript:alert(1)@x.com", "@example.com"):
        assert "<a " not in page.as_html(text)


@pytest.mark.parametrize(
    ("text", "mark"),
    [
        ("Write to support@acme.com now", (9, 23)),  # the mark ends inside the address
        ("Write to support@acme.com now", (12, 25)),  # ... or starts inside it
        ("Mail support@acme.examp…", None),  # cut by truncate
        ("…port@acme.com is the address", None),  # cut by an excerpt
    ],
)
def test_a_cut_address_is_not_linked_to_the_wrong_mailbox(text, mark):
    out = page.as_html(text, mark=mark)
    assert "<a " not in out and "acme" in out


def test_excerpt_marks_the_span_in_whole_lines():
    text = "first line\n" + "x" * 1000 + "\nthe answer here\n" + "y" * 1000 + "\nlast"
    s = text.index("the answer")
    snippet, (ms, me) = page.excerpt(text, (s, s + 10), width=20)
    assert snippet[ms:me] == "the answer"
    assert snippet.startswith("…") and snippet.endswith("…")
    whole, span = page.excerpt("short text", (6, 10))
    assert whole == "short text" and whole[span[0] : span[1]] == "text"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call 0800-048-0888 (Toll-Free)", True),
        ("Dial +44 20 3900 5678 today", True),
        ("Write to help@example.org", True),
        ("Visit https://example.org/help", True),
        ("See help.example.co.uk for details", True),
        ("Open Mon-Fri 9 a.m.-6 p.m., founded in 1997, since 2021-2024", False),
        ("Hold the power button for ten seconds.", False),
    ],
)
def test_contact_details_are_detected(text, expected):
    assert quotes_contact_details(text) is expected


@pytest.mark.parametrize(
    "confidence, abstained, expected",
    [(0.99, False, "High"), (0.9, False, "High"), (0.8999, False, "Medium"), (0.5, False, "Medium")]
    + [(0.4999, False, "Low"), (0.1, False, "Low"), (0.99, True, None), (0.1, True, None)],
)
def test_an_answers_label_comes_from_the_measured_cuts_in_the_settings(confidence, abstained, expected):
    from faqrag.answer.confidence import label

    assert label(confidence, abstained, Settings(high_from=0.9, medium_from=0.5)) == expected


def test_the_label_cuts_are_the_ones_the_page_doc_states():
    import re

    doc = " ".join((ROOT / "docs" / "page.md").read_text(encoding="utf-8").split())
    stated = re.search(r"High from ([\d.]+), Medium from ([\d.]+), Low below", doc)
    assert stated, "docs/page.md no longer states the confidence labels"
    assert (float(stated[1]), float(stated[2])) == (Settings().high_from, Settings().medium_from)


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("{root}/corpus/guide.txt, line 3: bad row", "corpus/guide.txt, line 3: bad row"),
        ("no index at {root}/index; run faqrag build", "no index at index; run faqrag build"),
        ("built {root}: 1 document(s)", "built .: 1 document(s)"),
        ("cannot read /srv/other place/x", "cannot read other place/x"),  # spaces: the known folder is mapped whole
        ("no index at /tmp/pytest-1/idx-3/index; run faqrag build", "no index at index; run faqrag build"),
        ("'/home/u/corpus/faq.csv' is empty", "'faq.csv' is empty"),
        ("see https://example.org/a/b and 24/7 and Mon/Fri", "see https://example.org/a/b and 24/7 and Mon/Fri"),
        ("see https://help.example/srv/other place/faq", "see https://help.example/srv/other place/faq"),  # a URL
    ],
)
def test_messages_never_show_a_server_path(message, shown):
    known = Path("/srv/other place")
    assert page.public(message.format(root=page.ROOT), known) == shown


def test_rebuild_needs_the_admin_password_only_when_one_is_set(monkeypatch):
    monkeypatch.delenv(env.ADMIN_PASSWORD, raising=False)
    assert page.password_ok(None) and page.password_ok("anything")
    monkeypatch.setenv(env.ADMIN_PASSWORD, "s3cret")
    assert not page.password_ok(None) and not page.password_ok("") and not page.password_ok("S3CRET")
    assert page.password_ok("s3cret")


def test_lists_under_the_answer_leave_out_what_the_card_shows(built_index, use_fake_model):
    resp = Engine.open(built_index).ask("How do I reset my widget?", k=6)
    assert not resp.abstained
    listed = {p.chunk_id for p in resp.passages} | {f.chunk_id for f in resp.faq}
    assert resp.answer.chunk_id in listed  # else this test tests nothing
    passages = app.shown_apart(resp, resp.passages, 5)
    assert resp.answer.chunk_id not in {p.chunk_id for p in passages}
    assert len(passages) == min(5, len(resp.passages) - 1)
    assert resp.answer.chunk_id not in {f.chunk_id for f in app.shown_apart(resp, resp.faq)}


def test_examples_and_sections_come_from_any_index(built_index):
    from faqrag.index.store import load_index

    chunks = load_index(built_index).chunks
    examples = page.example_questions(chunks)
    assert examples[:2] == ["How do I reset my widget?", "Can I return a widget after 30 days?"]
    sections = page.section_spans(chunks)
    entries = [c for c in chunks if c.trail and c.trail[-1] == "Northern Region"]
    assert len(entries) > 1 and {sections[c.id] for c in entries} == {sections[entries[0].id]}


# ---------------------------------------------------- page, fake model, any guide


def test_page_answers_from_a_small_guide_and_escapes_it(monkeypatch, tmp_path, use_fake_model, fake_embedder):
    from faqrag.index.build import build_index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "guide.txt").write_text(
        "Gadget Guide\n\nFAQs\n\nHow do I clean the <b>gadget</b>?\n\n"
        "Wipe it with a **dry** cloth; never use $solvent$ or :red[water].\n",
        encoding="utf-8",
    )
    index = tmp_path / "index"
    build_index(corpus, index, fake_embedder)
    at = ask(start(monkeypatch, index, corpus), "How do I clean the gadget?")
    assert not at.error
    answer_html = "\n".join(h.value for h in at.html)
    assert "**dry** cloth" in answer_html and "$solvent$" in answer_html
    assert "&lt;b&gt;gadget&lt;/b&gt;" in answer_html and "<b>gadget</b>" not in answer_html
    assert any("How do I clean" in b.label for b in at.button)  # an example taken from the guide
    # The box stops where the engine would refuse the question, not after it.
    assert at.text_input(key=app.BOX).max_chars == Settings().max_question_chars


# ------------------------------------------------------ page, real model and guide


@pytest.mark.integration
def test_covered_question_shows_answer_source_and_passages(monkeypatch, real_index):
    at = ask(start(monkeypatch, real_index), COVERED)
    assert not at.error
    text = page_text(at)
    assert "0800-048-0888" in text
    assert "Source:" in text and "Confidence:" in text
    # Far below the answer, the passages are listed as weaker matches; the same number from a
    # second list of the guide is not listed again.
    assert [h.value for h in at.subheader] == ["Weaker matches"]
    assert len([e for e in at.expander if e.label.startswith("Show the full section")]) == 4
    # The document's notice and the contact-details line share one box (the answer quotes a phone number).
    (caution,) = at.warning
    assert "quoted from the guide" in caution.value and "third" in caution.value.lower()
    assert not at.info
    assert "does not cover" not in text


@pytest.mark.integration
def test_uncovered_question_abstains_and_offers_topics(monkeypatch, real_index):
    at = ask(start(monkeypatch, real_index), UNCOVERED)
    assert not at.error
    assert any("does not cover" in w.value for w in at.warning)
    assert "Confidence:" not in page_text(at)
    assert [b for b in at.button if b.key.startswith("suggestion-")]


@pytest.mark.integration
def test_a_declined_question_shows_its_nearest_faq_only_when_asked(monkeypatch, real_index):
    question = "What is the email address of Netflix support?"
    resp = Engine.open(real_index).ask(question)
    assert resp.abstained and resp.faq  # a near FAQ exists: the page must not present it as a match
    at = ask(start(monkeypatch, real_index), question)
    faq_answer = resp.faq[0].answer[:40]  # its question may also be an example button
    assert not at.subheader and faq_answer not in page_text(at)
    at.toggle(key="show_closest").set_value(True).run(timeout=60)
    assert [h.value for h in at.subheader] == ["Closest FAQ entries", "Closest passages"]
    assert faq_answer in page_text(at)


@pytest.mark.integration
def test_clicking_a_suggestion_asks_it(monkeypatch, real_index):
    at = ask(start(monkeypatch, real_index), UNCOVERED)
    first = at.button(key="suggestion-0")
    suggestion = first.label.replace("\\", "").replace("\u200b", "")  # undo md_escape
    first.click().run(timeout=60)
    assert not at.exception and not at.error
    assert at.session_state[app.ASKED] == suggestion
    assert at.text_input(key=app.BOX).value == suggestion  # the box shows what was asked
    assert "Source:" in page_text(at) or any("does not cover" in w.value for w in at.warning)


@pytest.mark.integration
def test_clicking_an_example_answers_it(monkeypatch, real_index):
    at = start(monkeypatch, real_index)
    at.button(key="example-0").click().run(timeout=60)
    assert not at.exception and not at.error
    assert "Source:" in page_text(at)


@pytest.mark.integration
@pytest.mark.parametrize("question", ["", "   "])
def test_empty_question_gets_a_gentle_prompt(monkeypatch, real_index, question):
    at = ask(start(monkeypatch, real_index), question)
    assert not at.error
    assert any("Type a question" in i.value for i in at.info)


@pytest.mark.integration
def test_bad_question_is_an_error_message(monkeypatch, real_index):
    at = ask(start(monkeypatch, real_index), "what is the\x07 number")
    assert len(at.error) == 1 and "control character (U+0007); remove it" in at.error[0].value.replace("\\", "")
    # A question over the engine's limit cannot be typed: the box stops at it.
    at.text_input(key=app.BOX).input("x" * 2001)
    assert at.text_input(key=app.BOX).value == "what is the\x07 number"


def test_missing_index_is_an_error_message_with_a_build_button(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path / "no-such-index")
    assert len(at.error) == 1 and "no index" in at.error[0].value
    assert at.sidebar.button(key="rebuild").label == "Build the index"
    assert str(tmp_path) not in page_text(at) and str(ROOT) not in page_text(at)


def test_no_server_path_reaches_the_page(monkeypatch, tmp_path, guide_corpus, use_fake_model):
    index = tmp_path / "index"
    at = start(monkeypatch, index, guide_corpus)
    at.sidebar.button(key="rebuild").click().run(timeout=60)
    (guide_corpus / "acme-help.txt").write_text("", encoding="utf-8")  # an error that names the file
    at.run(timeout=60)
    # Either button, as the page may not have noticed the change yet (it checks every few seconds).
    next(b for b in at.sidebar.button if b.key in ("rebuild", "rebuild_anyway")).click().run(timeout=60)
    said = (page_text(at) + "\n".join(e.value for e in at.sidebar.error)).replace("\\", "")  # undo md_escape
    assert "corpus/acme-help.txt" in said  # the error names the file...
    assert str(tmp_path) not in said and str(ROOT) not in said  # ...but not where it lives


def test_the_sidebar_names_a_local_model_by_its_name_only(monkeypatch, tmp_path, guide_corpus, use_fake_model):
    from conftest import FakeEmbedder

    from faqrag.index.build import build_index

    local = tmp_path / "models" / "my-model"  # the manifest records a local model's absolute path
    build_index(guide_corpus, tmp_path / "index", FakeEmbedder(model_id=str(local)))
    at = start(monkeypatch, tmp_path / "index", guide_corpus)
    facts = "\n".join(t.value for t in at.sidebar.text)
    assert "Model: my-model\n" in facts and str(tmp_path) not in facts


def test_a_set_password_guards_both_rebuild_buttons(monkeypatch, tmp_path, guide_corpus, use_fake_model):
    monkeypatch.setenv(env.ADMIN_PASSWORD, "s3cret")
    index = tmp_path / "index"
    at = start(monkeypatch, index, guide_corpus)
    assert not any(env.ADMIN_PASSWORD in c.value for c in at.sidebar.caption)  # no "anyone can rebuild" line
    at.sidebar.button(key="rebuild").click().run(timeout=60)
    assert not (index / "manifest.json").exists()
    assert any("needs the admin password" in e.value for e in at.sidebar.error)
    at.sidebar.text_input(key="admin_password").input("wrong").run(timeout=60)
    at.sidebar.button(key="rebuild").click().run(timeout=60)
    assert not (index / "manifest.json").exists()
    at.sidebar.text_input(key="admin_password").input("s3cret").run(timeout=60)
    at.sidebar.button(key="rebuild").click().run(timeout=60)
    assert not at.exception and (index / "manifest.json").exists()
    # Up to date now: "Rebuild anyway" forces a new build, behind the same password.
    built = (index / "manifest.json").stat().st_mtime_ns
    at.sidebar.text_input(key="admin_password").input("").run(timeout=60)
    at.sidebar.button(key="rebuild_anyway").click().run(timeout=60)
    assert (index / "manifest.json").stat().st_mtime_ns == built
    at.sidebar.text_input(key="admin_password").input("s3cret").run(timeout=60)
    at.sidebar.button(key="rebuild_anyway").click().run(timeout=60)
    assert not at.exception and (index / "manifest.json").stat().st_mtime_ns > built


def test_without_a_password_the_sidebar_says_how_to_set_one(monkeypatch, built_index, guide_corpus, use_fake_model):
    monkeypatch.delenv(env.ADMIN_PASSWORD, raising=False)
    at = start(monkeypatch, built_index, guide_corpus)
    assert any(env.ADMIN_PASSWORD in c.value for c in at.sidebar.caption)
    assert at.sidebar.button(key="rebuild_anyway").label == "Rebuild anyway"
    assert not at.sidebar.text_input


def test_building_from_the_page_keeps_what_was_left_out_in_view(monkeypatch, tmp_path, guide_corpus, use_fake_model):
    (guide_corpus / "faq.csv").write_text("question,answer,link\nWhy?,Because.,https://x.example\n", encoding="utf-8")
    index = tmp_path / "index"
    at = start(monkeypatch, index, guide_corpus)
    at.sidebar.button(key="rebuild").click().run(timeout=60)
    assert not at.exception and (index / "manifest.json").exists()
    said = [w.value.replace("\\", "").replace("\u200b", "") for w in at.sidebar.warning]  # undo md_escape
    assert any("faq.csv: left out field(s) 'link'" in w for w in said)
    assert any("chunks" in s.value for s in at.sidebar.success)
