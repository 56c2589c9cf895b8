"""The project's own tools: `make eval` runs the labelled sets shipped with it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


eval_all = _load(ROOT / "tools" / "eval_all.py")


def test_every_set_and_its_corpus_ship_with_the_project():
    from faqrag.evaluation.questions import load_questions

    for name, questions, corpus, index in eval_all.SETS:
        assert load_questions(ROOT / questions), name
        assert any((ROOT / corpus).iterdir()), name
        assert not Path(index).is_absolute() and ".." not in Path(questions).parts + Path(corpus).parts
    assert "../shared" not in (ROOT / "Makefile").read_text(encoding="utf-8")


def test_summary_table_lines_up():
    summary = {"questions": 42, "answer_right": 0.9412, "hit@5": None, "covered_declined": 0.0}
    summary |= {"uncovered_declined": 0.875, "median_answer_chars": 188.5, "latency_ms_p50": 12.6}
    table = eval_all.summary_table([("dev", summary), ("a_longer_name", summary)]).splitlines()
    assert len({len(line) for line in table}) == 1  # every line as wide as the others
    assert table[2].split() == ["dev", "42", "94.1%", "-", "0.0%", "87.5%", "188", "12.6"]


def test_an_unknown_set_is_one_line(capsys):
    assert eval_all.main(["--only", "nope"]) == 1
    assert capsys.readouterr().err.strip() == "eval_all: no set named nope"


def test_label_cuts_are_where_measured_precision_reaches_95_on_every_set_and_80_on_average():
    import math

    from faqrag.settings import Settings

    tune = _load(ROOT / "tools" / "tune.py")  # it shows what outcomes.py works out
    settings = Settings(conf_weights=(1.0,) + (0.0,) * 8, conf_bias=0.0, abstain_below=0.0)

    def at(conf):  # a feature vector whose confidence is ``conf``
        return (math.log(conf / (1 - conf)),) + (0.0,) * 8

    def rows(name, answers):
        return [{"set": name, "covered": True, "right": ok, "features": at(c)} for c, ok in answers]

    # Set a: right from 0.9 up, one wrong at 0.85. Set b: right from 0.95 up, wrong at 0.92;
    # an uncovered question answered at 0.5 counts as a wrong answer.
    a = rows("a", [(0.99, True), (0.95, True), (0.9, True), (0.85, False), (0.7, True), (0.6, True)])
    b = rows("b", [(0.98, True), (0.96, True), (0.92, False), (0.8, True), (0.75, True)])
    b.append({"set": "b", "covered": False, "right": False, "features": at(0.5)})
    high, medium = tune.label_cuts(a + b, settings)
    assert high == pytest.approx(0.95, abs=1e-4)  # at 0.92, set b's answers above are 2 of 3 right
    assert medium == pytest.approx(
        0.6, abs=1e-4
    )  # 5/6 right on a and 4/6 on b above 0.5: 75% on average; 83% and 80% above 0.6
    bands = tune.bands(a + b, replace_cuts(settings, high, medium))
    assert bands == {"High": (4, 4), "Medium": (7, 5), "Low": (1, 0)}


def replace_cuts(settings, high, medium):
    from dataclasses import replace

    return replace(settings, high_from=high, medium_from=medium)


def test_covered_questions_are_counted_by_what_happened_to_them():
    import numpy as np

    from faqrag.settings import Settings

    outcomes = _load(ROOT / "tools" / "outcomes.py")

    def row(covered=True, right=False, unit1=False, hit5=False):
        return {"covered": covered, "right": right, "unit1": unit1, "hit5": hit5}

    rows = [row(right=True, unit1=True), row(unit1=True), row(unit1=True), row(hit5=True), row(), row(covered=False)]
    rows += [row(unit1=True), row()]  # declined below
    conf = np.array([0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.1, 0.1])
    counts = dict(zip(outcomes.KINDS, outcomes.kinds(rows, conf, Settings(abstain_below=0.5))))
    assert counts == {
        "right": 1,
        "composition": 2,
        "declined, unit@1 right": 1,
        "declined, unit@1 wrong": 1,
        "ranking": 1,
        "retrieval": 1,
    }


def test_the_plain_ranking_is_kept_unless_another_is_better_by_more_than_noise():
    from dataclasses import replace

    from faqrag.settings import Settings

    tune = _load(ROOT / "tools" / "tune.py")
    plain = tuple(tune.PLAIN[k] for k in tune.GRID)
    other = tuple(v[0] if v[0] != p else v[-1] for v, p in zip(tune.GRID.values(), plain))
    assert other != plain

    def rows(right_on_a):  # 100 covered questions on each of sets a and b, and one uncovered
        out = []
        for name, right in (("a", right_on_a), ("b", 100)):
            out += [{"set": name, "covered": True, "right": i < right, "hit5": True} for i in range(100)]
            out.append({"set": name, "covered": False, "right": False, "hit5": False})
        return [{**r, "features": (float(r["covered"]),) + (0.0,) * 8} for r in out]

    def choose(lead):  # the other configuration answers `lead` more of set a's questions right
        base = Settings(abstain_below=0.0)
        swept = {
            v: (replace(base, **dict(zip(tune.GRID, v))), rows(50 + (lead if v == other else 0)))
            for v in (plain, other)
        }
        chosen = tune.choose(swept, {"a", "b"}, log=lambda _line: None)
        return tuple(getattr(chosen, k) for k in tune.GRID)

    assert choose(1) == plain  # half a point on the average of the two sets: noise
    assert choose(4) == other  # two points
