"""Batch evaluation: metrics on hand-made cases, input files, --compare, and `faqrag eval` end to end."""

from __future__ import annotations

import io
import json
import math
import os
import sys
import time

import pytest

from faqrag.cli import main
from faqrag.errors import FaqragError
from faqrag.evaluation.metrics import compare, judge, outcome, summarize
from faqrag.evaluation.questions import EvalQuestion, load_questions
from faqrag.files import write_atomically


def response(answer: str | None = None, passages: tuple[str, ...] = (), abstained: bool = False, ms: float = 5.0):
    """A response dict shaped like Response.to_dict(), with only what evaluation reads filled in."""
    return {
        "question": "q",
        "abstained": abstained,
        "confidence": 0.0 if abstained else 0.9,
        "answer": {"text": answer, "source": "Guide › A", "kind": "passage"} if answer is not None else None,
        "passages": [
            {"text": t, "score": 0.5, "source": f"Guide › P{i}", "kind": "passage"} for i, t in enumerate(passages)
        ],
        "faq": [],
        "suggestions": [],
        "notice": None,
        "timings_ms": {"embed": 1.0, "search": 1.0, "compose": 1.0, "total": ms},
    }


def q(answers=("gold",), qid="q1", qtype="t") -> EvalQuestion:
    return EvalQuestion(qid, qtype, "a question?", tuple(answers))


# ------------------------------------------------------------------ metrics


def test_rank_two_gives_mrr_half_and_ndcg_one_over_log2_3():
    r = judge(q(), response("nothing here", ("the gold line", "other")))
    assert r["hit_rank"] == 2 and r["hit_answer"] is False
    s = summarize([r], 1.0)
    assert s["mrr@10"] == 0.5
    assert s["ndcg@10"] == round(1 / math.log2(3), 4)
    assert (s["hit@1"], s["hit@3"], s["hit@5"]) == (0.0, 1.0, 1.0)
    assert s["answer_right"] == 0.0


def test_ranked_metrics_average_over_questions_and_stop_at_rank_10():
    filler = tuple(f"filler {i}" for i in range(12))
    rows = [
        judge(q(qid="a"), response("gold is here")),  # rank 1
        judge(q(qid="b"), response("no", ("no", "gold", "no"))),  # rank 3
        judge(q(qid="c"), response("no", filler[:10] + ("gold",))),  # rank 12: outside @10
        judge(q(qid="d"), response(None, filler, abstained=True)),  # never
    ]
    assert [r["hit_rank"] for r in rows] == [1, 3, 12, None]
    s = summarize(rows, 2.0)
    assert s["mrr@10"] == round((1 + 1 / 3) / 4, 4)
    assert s["ndcg@10"] == round((1 + 1 / math.log2(4)) / 4, 4)
    assert (s["hit@1"], s["hit@3"], s["hit@5"]) == (0.25, 0.5, 0.5)
    assert s["answer_right"] == 0.25 and s["covered_declined"] == 0.25
    assert s["questions_per_second"] == 2.0


@pytest.mark.parametrize(
    "text, gold",
    [
        ("Call 0800\u2013048\u2014088 now", "0800-048-088"),  # en and em dashes
        ("Rakuten\u2019s \u201cHelp\u201d page", 'rakuten\'s "help" page'),  # curly quotes, case
        ("Open Mon-Fri\n   8 a.m.\tto 4 p.m.", "mon-fri 8 a.m. to 4 p.m."),  # white space
        ("VISIT HELP.EXAMPLE.COM", "help.example.com"),
    ],
)
def test_gold_matches_after_normalisation(text, gold):
    assert judge(q([gold]), response(text))["hit_answer"] is True


def test_gold_must_appear_whole():
    r = judge(q(["0800-048-0888"]), response("Call 0800-048-0889", ("0800 048 0888",)))
    assert r["hit_answer"] is False and r["hit_rank"] is None


def test_any_gold_string_counts():
    assert judge(q(["first", "second"]), response("the second one"))["hit_answer"] is True


def test_abstention_rates_by_type_latency_and_answer_length():
    rows = [
        judge(q(qid="c1", qtype="faq"), response("gold " + "x" * 5, ms=10)),  # right, 10 chars
        judge(q(qid="c2", qtype="faq"), response(None, ("gold",), abstained=True, ms=20)),  # false abstention
        judge(q((), qid="u1", qtype="oos"), response(None, abstained=True, ms=30)),  # declined: right
        judge(q((), qid="u2", qtype="oos"), response("made up answer here", ms=40)),  # should have declined
    ]
    s = summarize(rows, 1.0)
    assert (s["covered"], s["uncovered"]) == (2, 2)
    assert s["covered_declined"] == 0.5 and s["uncovered_declined"] == 0.5
    assert s["by_type"]["faq"] == {"n": 2, "answer_right": 0.5, "hit@5": 1.0, "uncovered_declined": None}
    assert s["by_type"]["oos"] == {"n": 2, "answer_right": None, "hit@5": None, "uncovered_declined": 0.5}
    assert (s["latency_ms_p50"], s["latency_ms_p95"]) == (20, 40)
    assert s["median_answer_chars"] == (10 + 19) / 2
    assert [outcome(r) for r in rows] == [True, False, True, False]


def test_compare_lists_better_and_worse_and_skips_new_questions():
    rows = [
        judge(q(qid="fixed"), response("gold")),
        judge(q(qid="broken"), response("wrong")),
        judge(q(qid="same"), response("gold")),
        judge(q(qid="new"), response("wrong")),
    ]
    previous = {"outcomes": {"fixed": False, "broken": True, "same": True, "gone": True}}
    assert compare(rows, previous) == {"better": ["fixed"], "worse": ["broken"]}


# -------------------------------------------------------------------- input


def test_jsonl_input_with_defaults(tmp_path):
    f = tmp_path / "qs.jsonl"
    f.write_text(
        '{"id": "a1", "type": "faq", "question": "  How?  ", "answers": ["x", "y"]}\n\n{"question": "Out of scope?"}\n',
        encoding="utf-8",
    )
    got = load_questions(f)
    assert got == [
        EvalQuestion("a1", "faq", "How?", ("x", "y")),
        EvalQuestion("q3", "untyped", "Out of scope?", ()),
    ]
    assert [x.covered for x in got] == [True, False]


def test_csv_input_splits_answers_on_pipes(tmp_path):
    f = tmp_path / "qs.csv"
    f.write_bytes(
        "\ufeffQuestion,ID,type,answers\n"
        "What number?,n1,directory,0800-048-0888 | +81-3-6275-6100\n"
        '"Two lines,\nwith a comma?",n2,,\n'
        "\n"
        "Alone?,,oos,\n".encode()
    )
    got = load_questions(f)
    assert got[0] == EvalQuestion("n1", "directory", "What number?", ("0800-048-0888", "+81-3-6275-6100"))
    assert got[1] == EvalQuestion("n2", "untyped", "Two lines,\nwith a comma?", ())
    assert got[2].id == "q6" and got[2].type == "oos"  # the row starts on line 6, after the blank line


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("a.jsonl", '{"question": "ok"}\n\n{"question": "bad"\n', "a.jsonl, line 3: not valid JSON"),
        ("a.jsonl", '{"question": "ok"}\n["a list"]\n', "a.jsonl, line 2: expected a JSON object"),
        ("a.jsonl", '{"question": "ok"}\n{"id": "x"}\n', "a.jsonl, line 2: 'question' is missing or empty"),
        (
            "a.jsonl",
            '{"question": "ok", "answers": "one"}\n{"question": "x", "answers": [1]}\n',
            "a.jsonl, line 2: 'answers' must be a list of strings",
        ),
        (
            "a.jsonl",
            '{"id": "x", "question": "a"}\n{"id": "x", "question": "b"}\n',
            "a.jsonl, line 2: id 'x' is used twice",
        ),
        ("a.csv", "query,answers\nWhat?,x\n", "a.csv, line 1: no 'question' column (found: query, answers)"),
        ("a.csv", "question,answers\n\n,x\n", "a.csv, line 3: 'question' is missing or empty"),
        ("a.csv", "question,answers\nok,x\nWhat, then?,x\n", "a.csv, line 3: 3 values for 2 columns"),
        ("a.txt", "question\n", "use a .jsonl or .csv file"),
        ("a.jsonl", "\n\n", "no questions found"),
    ],
)
def test_bad_input_names_file_and_line(tmp_path, name, content, message):
    f = tmp_path / name
    f.write_text(content, encoding="utf-8")
    with pytest.raises(FaqragError) as err:
        load_questions(f)
    assert message in str(err.value)


def test_missing_and_non_utf8_input(tmp_path):
    with pytest.raises(FaqragError, match="file not found"):
        load_questions(tmp_path / "none.jsonl")
    (tmp_path / "latin.csv").write_bytes("question\nCaf\xe9?\n".encode("latin-1"))
    with pytest.raises(FaqragError, match="not UTF-8"):
        load_questions(tmp_path / "latin.csv")


# ------------------------------------------------------------- atomic writes


def test_write_atomically_replaces_whole_file_with_usual_mode(tmp_path):
    target = tmp_path / "out" / "results.jsonl"
    write_atomically(target, "one\n")
    write_atomically(target, "two\n")
    assert target.read_text() == "two\n"
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask
    assert os.listdir(target.parent) == ["results.jsonl"]


def test_write_atomically_follows_the_umask_without_setting_it(tmp_path, monkeypatch):
    # Reading the umask means setting it: for that moment other threads' new files were world-writable.
    def refuse(*_a):
        raise AssertionError("os.umask called: it changes the umask of every thread")

    target = tmp_path / "results.jsonl"
    old = os.umask(0o027)
    try:
        monkeypatch.setattr(os, "umask", refuse)
        write_atomically(target, "one\n")
        write_atomically(target, "two\n")
    finally:
        monkeypatch.undo()
        os.umask(old)
    assert target.read_text() == "two\n" and target.stat().st_mode & 0o777 == 0o640
    assert os.listdir(tmp_path) == ["results.jsonl"]


def test_write_atomically_syncs_the_new_file_before_it_replaces_the_old(tmp_path, monkeypatch):
    # Renamed before its data reached the disk, a power cut can leave an empty file (XFS, btrfs).
    steps = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (steps.append(("fsync", os.fstat(fd).st_size)), real_fsync(fd)))
    monkeypatch.setattr(
        os, "replace", lambda a, b: (steps.append(("replace", os.path.basename(b))), real_replace(a, b))
    )
    write_atomically(tmp_path / "results.jsonl", "one\n")
    assert steps == [("fsync", 4), ("replace", "results.jsonl")]


@pytest.mark.parametrize("failure", [KeyboardInterrupt, OSError(28, "No space left on device")])
def test_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch, failure):
    target = tmp_path / "report.json"
    target.write_text("old")

    def boom(*_a):
        raise failure

    monkeypatch.setattr(os, "replace", boom)
    expected = KeyboardInterrupt if failure is KeyboardInterrupt else FaqragError
    with pytest.raises(expected) as err:
        write_atomically(target, "new")
    if expected is FaqragError:
        assert str(err.value) == f"cannot write {target} (No space left on device); check the path is a writable file"
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["report.json"]


# ------------------------------------------------------------- the command

QUESTIONS = [
    {"id": "reset", "type": "faq", "question": "How do I reset my widget?", "answers": ["Hold the power button"]},
    {"id": "bayview", "type": "directory", "question": "Bayview phone", "answers": ["555\u20130201"]},
    {"id": "oos", "type": "oos", "question": "Who painted the Mona Lisa?", "answers": []},
]


@pytest.fixture
def questions_file(tmp_path):
    f = tmp_path / "dev.jsonl"
    f.write_text("".join(json.dumps(x) + "\n" for x in QUESTIONS), encoding="utf-8")
    return f


def run_eval(index, questions, *extra) -> int:
    return main(["eval", str(questions), "--index", str(index), *extra])


@pytest.mark.parametrize("suffix", [".json", ".html", ".md"])
def test_eval_end_to_end_writes_results_and_report(
    built_index, use_fake_model, questions_file, tmp_path, capsys, suffix
):
    out, rep = tmp_path / "results.jsonl", tmp_path / f"report{suffix}"
    assert run_eval(built_index, questions_file, "--output", str(out), "--report", str(rep)) == 0
    stdout = capsys.readouterr().out
    assert "covered questions       2" in stdout and f"report written to {rep}" in stdout

    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["reset", "bayview", "oos"]
    assert {"question", "answer", "passages", "hit_answer", "hit_rank", "latency_ms", "answers", "type"} <= set(rows[0])
    assert rows[0]["hit_answer"] is True and rows[0]["hit_rank"] == 1  # the FAQ entry answers it
    assert rows[1]["hit_answer"] is True  # gold with an en dash still matches "555-0201"
    assert rows[2]["abstained"] is True

    text = rep.read_text(encoding="utf-8")
    # Every report says what it came from: questions, index, model, date, version.
    from faqrag import __version__

    for said in (str(questions_file), str(built_index), "fake-hash-64", __version__, time.strftime("%Y-%m-%d")):
        assert said in text, said
    if suffix == ".json":
        report = json.loads(text)
        assert report["summary"]["questions"] == 3 and report["summary"]["answer_right"] == 1.0
        assert report["outcomes"] == {"reset": True, "bayview": True, "oos": True}
        run = report["run"]
        assert run["questions"] == str(questions_file) and run["model"] == "fake-hash-64"
        assert run["date"].endswith("Z") and run["faqrag_version"] == __version__ and run["index_built_at"]
    elif suffix == ".html":
        assert text.startswith("<!DOCTYPE html>") and "<svg" in text and "Missed questions (0)" in text
    else:
        assert text.startswith("# faqrag evaluation") and "| directory | 1 | 100.0% | 100.0% | - |" in text


def test_eval_compare_prints_better_and_worse(built_index, use_fake_model, questions_file, tmp_path, capsys):
    first = tmp_path / "first.json"
    assert run_eval(built_index, questions_file, "--report", str(first)) == 0
    previous = json.loads(first.read_text())
    previous["outcomes"].update(reset=False)  # pretend it used to fail
    first.write_text(json.dumps(previous))
    capsys.readouterr()

    md = tmp_path / "second.md"
    assert run_eval(built_index, questions_file, "--compare", str(first), "--report", str(md)) == 0
    out = capsys.readouterr().out
    assert f"better than {first}: reset" in out and f"worse than {first}:  none" in out
    assert "## Compared with the previous report: 1 better, 0 worse" in md.read_text()


def test_eval_compare_needs_a_report_json(built_index, use_fake_model, questions_file, tmp_path, capsys):
    other = tmp_path / "results.jsonl"
    other.write_text("[1, 2]")
    assert run_eval(built_index, questions_file, "--compare", str(other)) == 1
    err = capsys.readouterr().err
    assert "not a faqrag report.json" in err and err.count("\n") == 1


def test_unknown_report_type_fails_before_anything_runs(tmp_path, questions_file, use_fake_model, capsys):
    # No index exists: had the questions started, the error would be about the index.
    rep = tmp_path / "report.pdf"
    assert run_eval(tmp_path / "no-index", questions_file, "--report", str(rep)) == 1
    err = capsys.readouterr().err
    assert err == "faqrag: error: unknown report type '.pdf'; name the report .json, .html or .md\n"
    assert not rep.exists()


@pytest.mark.parametrize("k, message", [("0", "must be between 1 and 50"), ("ten", "'ten' is not a whole number")])
def test_bad_k_is_a_clear_usage_error(built_index, questions_file, capsys, k, message):
    with pytest.raises(SystemExit) as exc:
        run_eval(built_index, questions_file, "--k", k)
    assert exc.value.code == 2
    assert f"argument --k: {message}" in capsys.readouterr().err


def test_a_bad_question_is_named_before_the_model_loads(tmp_path, use_fake_model, capsys):
    f = tmp_path / "qs.jsonl"
    f.write_text(json.dumps({"id": "long", "question": "x" * 2001}) + "\n")
    assert run_eval(tmp_path / "no-index", f) == 1
    assert f"{f}, question long: the question is 2,001 characters long" in capsys.readouterr().err


def test_interrupted_run_leaves_no_output_behind(
    built_index, use_fake_model, questions_file, tmp_path, monkeypatch, capsys
):
    from faqrag.engine import Engine

    out, rep = tmp_path / "results.jsonl", tmp_path / "report.html"
    rep.write_text("previous report")
    real = Engine.ask_many

    def interrupted(self, questions, k=5, *, on_batch=None, **kw):
        real(self, questions[:1], k, on_batch=on_batch)  # some progress, then Ctrl-C
        raise KeyboardInterrupt

    monkeypatch.setattr(Engine, "ask_many", interrupted)
    before = sorted(os.listdir(tmp_path))
    assert run_eval(built_index, questions_file, "--output", str(out), "--report", str(rep)) == 130
    assert not out.exists()
    assert rep.read_text() == "previous report"
    assert sorted(os.listdir(tmp_path)) == before  # no temporary files either


def test_progress_bar_only_on_a_terminal(built_index, use_fake_model, questions_file, monkeypatch, capsys):
    assert run_eval(built_index, questions_file) == 0
    assert "[" not in capsys.readouterr().err

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    assert run_eval(built_index, questions_file) == 0
    assert f"\r[{'#' * 30}] 3/3" in term.getvalue() and term.getvalue().endswith("\n")
