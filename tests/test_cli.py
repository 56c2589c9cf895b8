"""The CLI end to end with the fake model: commands, JSON contract, bad input."""

import json
import re

import pytest

from faqrag.cli import main

CONTRACT = {
    "question",
    "abstained",
    "confidence",
    "answer",
    "passages",
    "faq",
    "suggestions",
    "notice",
    "read_as",
    "label",
    "reason",
    "timings_ms",
    "handoff",
    "weak_support",
    "ref",
}


@pytest.fixture
def cli_index(tmp_path, guide_corpus, use_fake_model, capsys):
    index = tmp_path / "index"
    assert main(["build", "--corpus", str(guide_corpus), "--index", str(index)]) == 0
    capsys.readouterr()
    return index


def ask_json(index, question, capsys, *extra):
    assert main(["ask", "--index", str(index), "--json", *extra, question]) == 0
    return json.loads(capsys.readouterr().out)


def test_build_prints_a_one_line_summary(tmp_path, guide_corpus, use_fake_model, capsys):
    assert main(["build", "--corpus", str(guide_corpus), "--index", str(tmp_path / "ix")]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "1 document(s)" in out[0] and "chunks" in out[0]


def test_build_if_stale_skips_an_up_to_date_index(cli_index, guide_corpus, capsys):
    assert main(["build", "--if-stale", "--corpus", str(guide_corpus), "--index", str(cli_index)]) == 0
    assert "up to date" in capsys.readouterr().out
    (guide_corpus / "acme-help.txt").write_text("Changed\n\nA new guide text.\n")
    assert main(["build", "--if-stale", "--corpus", str(guide_corpus), "--index", str(cli_index)]) == 0
    captured = capsys.readouterr()
    assert "corpus changed: acme-help.txt" in captured.err and "built" in captured.out


def test_ask_json_contract_and_faq_answer(cli_index, capsys):
    r = ask_json(cli_index, "How do I reset my widget?", capsys)
    assert set(r) == CONTRACT
    assert r["abstained"] is False and 0 <= r["confidence"] <= 1
    assert r["answer"]["kind"] == "faq"
    assert r["answer"]["text"].startswith("Hold the power button")
    assert r["answer"]["source"] == "Acme Widgets Help Centre \u203a FAQs"
    assert set(r["answer"]) == {"text", "source", "kind", "doc", "chunk_id", "span", "question_answered", "url"}
    for p in r["passages"]:
        assert set(p) == {"text", "score", "source", "kind", "doc", "chunk_id", "highlight", "span"}
    assert set(r["faq"][0]) == {"question", "answer", "score", "source", "doc", "chunk_id"}
    assert r["faq"][0]["question"] == "How do I reset my widget?"
    assert set(r["timings_ms"]) >= {"embed", "search", "total"}


def test_directory_answer_brings_its_region_hours(cli_index, capsys, tmp_path):
    # Confidence is calibrated for the real model; answer whatever the fake finds.
    settings = tmp_path / "settings.json"
    settings.write_text('{"abstain_below": 0.0}')
    r = ask_json(cli_index, "Bayview phone", capsys, "--settings", str(settings))
    assert r["answer"]["kind"] == "entry"
    assert "555-0201" in r["answer"]["text"] and "Mon-Sat 10 a.m.-6 p.m." in r["answer"]["text"]
    assert r["answer"]["source"].endswith("Contact Directory \u203a Southern Region")


def test_uncovered_question_abstains_with_suggestions(cli_index, capsys):
    # Words the guide never uses: the fake embedder is a bag of words, so a
    # question sharing even one of its words looks related to it.
    r = ask_json(cli_index, "Who painted the Mona Lisa?", capsys)
    assert r["abstained"] is True and r["answer"] is None and r["notice"] is None
    assert r["suggestions"] and all(isinstance(t, str) and t for t in r["suggestions"])


def test_unknown_setting_is_refused(cli_index, capsys, tmp_path):
    settings = tmp_path / "settings.json"
    settings.write_text('{"abstain_bellow": 0.3}')
    assert main(["ask", "--index", str(cli_index), "--settings", str(settings), "widget"]) == 1
    assert "unknown setting(s) abstain_bellow" in capsys.readouterr().err


def test_k_limits_passages(cli_index, capsys):
    assert len(ask_json(cli_index, "widget", capsys, "--k", "2")["passages"]) == 2


def test_human_output_names_the_source(cli_index, capsys):
    assert main(["ask", "--index", str(cli_index), "How", "do", "I", "reset", "my", "widget?"]) == 0
    out = capsys.readouterr().out
    assert "Hold the power button" in out and "Source: Acme Widgets Help Centre \u203a FAQs" in out
    assert re.search(r"\(confidence (High|Medium|Low), \d\.\d\d\)", out)  # the label beside the number


def test_human_output_of_a_decline_says_why_when_it_is_known():
    from faqrag.answer.records import Response
    from faqrag.cli.ask_cmd import format_response

    known = Response("q?", True, 0.1, None, [], [], [], None, reason="The guide lists no entry for Sweden.")
    assert format_response(known).splitlines()[0] == "The guide lists no entry for Sweden."
    plain = Response("q?", True, 0.1, None, [], [], [], None)
    assert format_response(plain).splitlines()[0] == "The guide does not seem to cover this question."


def test_info_reports_staleness(cli_index, guide_corpus, capsys):
    assert main(["info", "--index", str(cli_index)]) == 0
    assert "up to date" in capsys.readouterr().out
    (guide_corpus / "acme-help.txt").write_text("Changed\n\nText.\n")
    assert main(["info", "--index", str(cli_index)]) == 0
    assert "STALE: acme-help.txt" in capsys.readouterr().out


def test_ask_warns_when_the_index_is_stale(cli_index, guide_corpus, capsys):
    (guide_corpus / "acme-help.txt").write_text("Changed\n\nText.\n")
    assert main(["ask", "--index", str(cli_index), "widget"]) == 0
    assert "warning: the index is stale" in capsys.readouterr().err


@pytest.mark.parametrize(
    "question, message",
    [
        ("   ", "the question is empty"),
        ("x" * 2001, "the question is 2,001 characters long; the limit is 2,000"),
        ("bell\x07", "control character (U+0007)"),
        ("\u200b\u200b", "the question is empty"),
    ],
)
def test_bad_questions_are_one_line_errors(cli_index, capsys, question, message):
    assert main(["ask", "--index", str(cli_index), question]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_missing_index_and_missing_corpus(tmp_path, use_fake_model, capsys):
    assert main(["ask", "--index", str(tmp_path / "none"), "hello"]) == 1
    assert "no index at" in capsys.readouterr().err
    assert main(["build", "--corpus", str(tmp_path / "nocorpus"), "--index", str(tmp_path / "ix")]) == 1
    err = capsys.readouterr().err
    assert "corpus folder" in err and "does not exist" in err
    assert not (tmp_path / "ix").exists()


def test_build_warns_about_what_it_left_out_of_an_faq_file(tmp_path, guide_corpus, use_fake_model, capsys):
    (guide_corpus / "faq.csv").write_text("question,answer,link\nWhy?,Because.,https://x.example\n")
    assert main(["build", "--corpus", str(guide_corpus), "--index", str(tmp_path / "ix")]) == 0
    err = capsys.readouterr().err
    assert "warning: " in err and "faq.csv: left out field(s) 'link'" in err


def test_bad_corpus_file_leaves_no_half_written_index(tmp_path, guide_corpus, use_fake_model, capsys):
    index = tmp_path / "index"
    (guide_corpus / "bad.jsonl").write_text('{"question": "a", "answer": "b"}\nnot json\n')
    assert main(["build", "--corpus", str(guide_corpus), "--index", str(index)]) == 1
    assert "bad.jsonl, line 2" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]


def test_ask_with_another_model_is_refused(cli_index, capsys):
    assert main(["ask", "--index", str(cli_index), "--model", "some-other-model", "widget"]) == 1
    err = capsys.readouterr().err
    assert "built with model 'fake-hash-64', not 'some-other-model'" in err and "rebuild" in err


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"conf_weights": 5}', "conf_weights must be a list of 9 numbers"),
        ('{"candidates": 0}', "candidates must be a whole number from 1 to 100,000"),
        ('{"dense_weight": "x"}', "dense_weight must be a number"),
        ('{"abstain_below": 2}', "abstain_below must be between 0 and 1"),
    ],
)
def test_bad_setting_values_are_one_line_errors(cli_index, capsys, tmp_path, content, message):
    settings = tmp_path / "settings.json"
    settings.write_text(content)
    assert main(["ask", "--index", str(cli_index), "--settings", str(settings), "widget"]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_plain_ask_says_how_a_misspelt_question_was_read(cli_index, capsys):
    assert main(["ask", "--index", str(cli_index), "bayvew phone"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "(read as: bayvew \u2192 bayview)" and "555-0201" in out
    assert ask_json(cli_index, "bayview phone", capsys)["read_as"] is None


def test_a_folder_that_is_no_index_is_named_for_what_it_holds(tmp_path, use_fake_model, capsys):
    """`info --index corpus` must not suggest a build there, which would be refused."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "guide.md").write_text("# Guide\n\nText.\n", encoding="utf-8")
    (folder / ".hidden").write_text("x", encoding="utf-8")
    for command in (["info", "--index", str(folder)], ["ask", "--index", str(folder), "hello"]):
        assert main(command) == 1
        err = capsys.readouterr().err
        assert "is not a faqrag index (it holds 'guide.md')" in err and "--index" in err
        assert "build it with 'faqrag build --index" not in err and err.count("\n") == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["info", "--index", str(empty)]) == 1
    assert "no index at" in capsys.readouterr().err  # an empty folder can take a build


def test_the_stale_warning_names_the_build_that_rebuilds_this_index(cli_index, guide_corpus, capsys, monkeypatch):
    """With --index DIR the warning names DIR and its corpus: a bare 'faqrag build'
    would rebuild the default index from the default corpus instead."""
    monkeypatch.chdir(cli_index.parent)  # where index/ and corpus/ are the defaults
    (guide_corpus / "acme-help.txt").write_text("Changed\n\nText.\n")
    assert main(["ask", "--index", "index", "widget"]) == 0
    assert "rebuild it with 'faqrag build'\n" in capsys.readouterr().err
    moved = cli_index.parent / "other index"
    cli_index.rename(moved)
    assert main(["ask", "--index", str(moved), "widget"]) == 0
    assert "rebuild it with 'faqrag build --index 'other index''" in capsys.readouterr().err
    elsewhere = cli_index.parent / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["info", "--index", str(moved)]) == 0
    assert f"run faqrag build --corpus {guide_corpus} --index '{moved}'" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["-idx", "--index", "-", "a b", "ünï 'x'"])
def test_the_build_command_named_in_a_warning_runs_as_printed(tmp_path, monkeypatch, name):
    import shlex
    from pathlib import Path

    from faqrag.cli.common import build_command
    from faqrag.cli.main import parser

    monkeypatch.chdir(tmp_path)
    (tmp_path / name).mkdir()
    command = build_command(Path(name), tmp_path / "corpus")
    args = parser().parse_args(shlex.split(command)[1:])  # as a shell would hand it over
    assert args.command == "build" and args.index.resolve() == (tmp_path / name).resolve()


def test_plain_ask_shows_the_question_an_answer_answers_and_the_way_to_a_person(cli_index, capsys, tmp_path):
    assert main(["ask", "--index", str(cli_index), "widget reset button hold"]) == 0
    out = capsys.readouterr().out
    assert out.startswith('(answers the question: "How do I reset my widget?")\nHold the power button')
    settings = tmp_path / "s.json"
    settings.write_text('{"handoff": "help@acme.example", "handoff_label": "Write to the help team"}')
    assert main(["ask", "--index", str(cli_index), "--settings", str(settings), "zebra quantum saxophone"]) == 0
    out = capsys.readouterr().out
    assert "does not seem to cover" in out and "Need a person? Write to the help team: help@acme.example" in out
    assert "Passages" not in out and "Weaker" not in out
