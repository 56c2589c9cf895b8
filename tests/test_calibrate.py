"""Per-corpus calibration of the decline threshold: the fit, its storage, its use at load."""

from __future__ import annotations

import json

import pytest

from faqrag.cli import main
from faqrag.engine import Engine
from faqrag.errors import FaqragError
from faqrag.index.build import build_index
from faqrag.learn import calibrate
from faqrag.learn.calibrate import Scored, threshold
from faqrag.settings import Settings


def test_threshold_declines_at_most_the_budget_of_right_answers_in_the_gap():
    rows = [Scored(True, True, c) for c in (0.9, 0.8, 0.7, 0.6)] + [Scored(False, False, c) for c in (0.2, 0.3)]
    assert threshold(rows) == 0.45  # between 0.3 and the lowest right answer, 0.6
    rows.append(Scored(True, False, 0.1))  # a wrong answer may be declined
    assert threshold(rows) == 0.45
    many = [Scored(True, True, i / 100) for i in range(40, 80)] + [Scored(False, False, 0.1)]
    t = threshold(many)
    assert sum(r.confidence < t for r in many if r.covered) == 2  # 5% of 40
    assert threshold([Scored(False, False, 0.2)]) is None


def test_figures_per_question_cut():
    rows = [Scored(True, True, 0.8), Scored(True, False, 0.8), Scored(True, True, 0.3), Scored(False, False, 0.4)]
    f = calibrate.figures(rows, [0.5] * 4)
    assert f == {"answer_right": round(1 / 3, 4), "uncovered_declined": 1.0, "covered_declined": round(1 / 3, 4)}


COVERED = [
    ("How do I reset my widget?", "Hold the power button"),
    ("reset widget power button", "Hold the power button"),
    ("Can I return a widget after 30 days?", "Returns are accepted"),
    ("return widget after 30 days", "Returns are accepted"),
    ("Riverton support line", "555-0101"),
    ("Lakeside support line", "555-0102"),
]
UNCOVERED = ["Who painted the Mona Lisa?", "price of bitcoin today", "best pizza in Naples", "lunar eclipse dates"]


@pytest.fixture
def reviewed(tmp_path):
    path = tmp_path / "reviewed.jsonl"
    rows = [{"id": f"c{i}", "question": q, "answers": [a]} for i, (q, a) in enumerate(COVERED)]
    rows += [{"id": f"u{i}", "question": q, "answers": []} for i, q in enumerate(UNCOVERED)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_tune_writes_a_calibration_the_index_uses_and_keeps_across_rebuilds(
    tmp_path, guide_corpus, use_fake_model, reviewed, capsys
):
    index = tmp_path / "index"
    assert main(["build", "--corpus", str(guide_corpus), "--index", str(index)]) == 0
    assert main(["tune", "--index", str(index), "--questions", str(reviewed), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "6 covered and 4 uncovered" in out and "cross-validated" in out and "nothing written" in out
    assert not (index / calibrate.FILE).exists()
    assert main(["tune", "--index", str(index), "--questions", str(reviewed)]) == 0
    saved = json.loads((index / calibrate.FILE).read_text())
    assert set(saved["cross_validated"]) == {"answer_right", "uncovered_declined", "covered_declined"}
    assert Engine.open(index).settings.abstain_below == saved["abstain_below"]
    own = Settings(abstain_below=0.5)  # a threshold chosen on purpose wins
    assert Engine.open(index, settings=own).settings.abstain_below == 0.5
    build_index(guide_corpus, index, use_fake_model)
    assert json.loads((index / calibrate.FILE).read_text()) == saved  # a rebuild keeps it
    capsys.readouterr()


def test_too_few_reviewed_questions_is_one_line(tmp_path, built_index, fake_embedder):
    engine = Engine.open(built_index, embedder=fake_embedder)
    from faqrag.evaluation.questions import EvalQuestion

    with pytest.raises(FaqragError, match="review more questions first"):
        calibrate.fit(engine, [EvalQuestion("a", "t", "How do I reset my widget?", ("Hold",))])


@pytest.mark.parametrize("content", ["not json", "{}", '{"abstain_below": "high"}', '{"abstain_below": 7}', "[]"])
def test_a_corrupt_calibration_is_one_line(built_index, fake_embedder, content):
    (built_index / calibrate.FILE).write_text(content)
    with pytest.raises(FaqragError, match="calibration.json is corrupt; run 'faqrag tune' again"):
        Engine.open(built_index, embedder=fake_embedder)


def test_a_reviewed_question_linked_as_an_alternate_is_scored_without_it(tmp_path, guide_corpus, fake_embedder):
    from faqrag.evaluation.questions import EvalQuestion
    from faqrag.index.store import load_index
    from faqrag.ingest import alternates

    q = "factory state gadget back original"
    alternates.append(guide_corpus, [alternates.Alternate(q, "acme-help.txt", "How do I reset my widget?")])
    index = tmp_path / "index"
    build_index(guide_corpus, index, fake_embedder)
    engine = Engine(load_index(index), fake_embedder)
    assert engine.ask(q).confidence > 0.5  # its own view answers it
    [scored] = calibrate.score(engine, [EvalQuestion("a", "t", q, ("Hold the power",))])
    assert scored.confidence < engine.ask(q).confidence - 0.2
    assert engine.ask(q).confidence > 0.5  # the engine itself is untouched
