"""The project's own tools: `make eval` runs the labelled sets shipped with it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

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
