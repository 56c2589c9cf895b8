"""Alternate phrasings linked to an answer become ALTERNATE views of its chunk at build."""

from __future__ import annotations

import json

import pytest

from faqrag.engine import Engine
from faqrag.errors import CorpusError
from faqrag.index.build import build_index, stale_files
from faqrag.index.store import load_index
from faqrag.ingest import alternates
from faqrag.records import ALTERNATE, QUESTION

PARAPHRASE = "factory state gadget back original"  # shares no word with the FAQ or its answer


def _write(corpus, *rows):
    (corpus / alternates.FILE).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_an_alternate_answers_like_its_faq_and_survives_a_rebuild(tmp_path, guide_corpus, fake_embedder):
    index = tmp_path / "index"
    build_index(guide_corpus, index, fake_embedder)
    before = Engine(load_index(index), fake_embedder).ask(PARAPHRASE)
    assert before.abstained or "power button" not in before.answer.text
    assert (
        alternates.append(
            guide_corpus, [alternates.Alternate(PARAPHRASE, "acme-help.txt", "How do I reset my widget?")]
        )
        == 1
    )
    assert (
        alternates.append(
            guide_corpus, [alternates.Alternate(PARAPHRASE, "acme-help.txt", "How do I reset my widget?")]
        )
        == 0
    )  # already there
    assert stale_files(load_index(index).manifest, guide_corpus) == [alternates.FILE]
    summary = build_index(guide_corpus, index, fake_embedder)
    assert summary.embedded == 1  # only the new view
    stored = load_index(index)
    [target] = [c for c in stored.chunks if c.question == "How do I reset my widget?"]
    assert (PARAPHRASE, ALTERNATE) in target.views
    after = Engine(stored, fake_embedder).ask(PARAPHRASE)
    assert not after.abstained and after.answer.chunk_id == target.id
    assert alternates.FILE not in {d for d in stored.documents}  # not a document


def test_a_link_to_a_section_shared_heading_uses_the_text_start(tmp_path, guide_corpus, fake_embedder):
    index = tmp_path / "index"
    build_index(guide_corpus, index, fake_embedder)
    stored = load_index(index)
    northern = [c for c in stored.chunks if c.trail and c.trail[-1] == "Northern Region"]
    assert len(northern) > 1  # several entries under one heading
    title = stored.documents["acme-help.txt"].title
    link = alternates.link_to("  lakeside   phone  ", northern[1], stored.chunks, title)
    assert link.question == "lakeside phone" and link.target == "Northern Region" and link.text
    alternates.append(guide_corpus, [link])
    build_index(guide_corpus, index, fake_embedder)
    got = [c for c in load_index(index).chunks if ("lakeside phone", ALTERNATE) in c.views]
    assert [c.id for c in got] == [northern[1].id]


def test_a_link_whose_answer_is_gone_is_a_warning(tmp_path, guide_corpus, fake_embedder):
    _write(
        guide_corpus,
        {"question": "q one", "doc": "acme-help.txt", "target": "No such heading"},
        {"question": "q two", "doc": "gone.txt", "target": "FAQs"},
    )
    warnings = []
    build_index(guide_corpus, tmp_path / "index", fake_embedder, warn=warnings.append)
    assert len(warnings) == 1 and "2 alternate question(s)" in warnings[0] and "No such heading" in warnings[0]


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"question": "q", "doc": "a.txt"}', "'target' must be a non-empty string"),
        ('{"question": 3, "doc": "a.txt", "target": "t"}', "'question' must be a non-empty string"),
        ('{"question": "  ", "doc": "a.txt", "target": "t"}', "'question' must be a non-empty string"),
        ('{"question": "q", "doc": "a.txt", "target": "t", "text": 5}', "'text' must be a string"),
        ('{"question": "q", "doc": "a.txt", "target": "t", "chunk": "x"}', "unknown field(s) chunk"),
        ('{"question": "q\\u0000", "doc": "a.txt", "target": "t"}', "holds"),
    ],
)
def test_a_bad_alternates_line_is_one_line_naming_it(guide_corpus, line, says):
    (guide_corpus / alternates.FILE).write_text('{"question": "ok", "doc": "a.txt", "target": "t"}\n' + line + "\n")
    with pytest.raises(CorpusError, match="line 2") as err:
        alternates.read(guide_corpus)
    assert says in str(err.value)


def test_alternates_file_not_utf8(guide_corpus):
    (guide_corpus / alternates.FILE).write_bytes(b"\xff\xfe{}")
    with pytest.raises(CorpusError, match="not UTF-8"):
        alternates.read(guide_corpus)


def test_an_alternate_is_an_faq_match_only_when_nearly_restated(tmp_path, guide_corpus, fake_embedder):
    """A linked phrasing counts for its unit's best cosine, but sends other
    questions to its unit as an FAQ match only above alternate_threshold."""
    from faqrag.settings import Settings

    _write(guide_corpus, {"question": PARAPHRASE, "doc": "acme-help.txt", "target": "How do I reset my widget?"})
    index = tmp_path / "index"
    build_index(guide_corpus, index, fake_embedder)
    stored = load_index(index)
    [target] = [c for c in stored.chunks if c.question == "How do I reset my widget?"]
    assert (PARAPHRASE, ALTERNATE) in target.views and (PARAPHRASE, QUESTION) not in target.views
    near = PARAPHRASE + " please"  # close to the phrasing, but not the phrasing itself
    qv = fake_embedder.encode([near])[0]
    cos = float(fake_embedder.encode([PARAPHRASE])[0] @ qv)
    engine = Engine(stored, fake_embedder)
    terms = engine.retriever.lexical.terms(near)

    def question_sim(settings):
        engine.retriever.settings = settings
        hit = next(h for h in engine.retriever.search(qv, terms, 10) if h.chunk == stored.chunks.index(target))
        return hit.question_sim

    assert question_sim(Settings(alternate_threshold=min(cos + 0.01, 1.0))) < cos  # not counted as its question
    assert question_sim(Settings(alternate_threshold=max(cos - 0.01, 0.0))) == pytest.approx(cos, abs=1e-5)
