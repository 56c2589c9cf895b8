"""The feedback loop's shells: `faqrag ask` logs, `faqrag log` lists."""

from __future__ import annotations

import json

import pytest

from faqrag.cli import main
from faqrag.learn import qlog


@pytest.fixture
def cli_index(tmp_path, guide_corpus, use_fake_model, capsys, monkeypatch):
    monkeypatch.delenv(qlog.ENV, raising=False)
    index = tmp_path / "index"
    assert main(["build", "--corpus", str(guide_corpus), "--index", str(index)]) == 0
    capsys.readouterr()
    return index


def test_ask_logs_and_log_lists_with_filters(cli_index, tmp_path, capsys):
    assert main(["ask", "--index", str(cli_index), "How do I reset my widget?"]) == 0
    assert main(["ask", "--index", str(cli_index), "Who painted the Mona Lisa in Florence?"]) == 0
    capsys.readouterr()
    db = tmp_path / "logs.db"
    rows = qlog.recent(db)
    assert [r.question for r in rows] == ["Who painted the Mona Lisa in Florence?", "How do I reset my widget?"]
    assert [r.channel for r in rows] == ["cli", "cli"] and rows[0].abstained and not rows[1].abstained
    qlog.record_feedback(db, rows[1].id, False)

    assert main(["log", "--index", str(cli_index)]) == 0
    out = capsys.readouterr().out
    assert "How do I reset my widget?" in out and "Mona Lisa" in out and "[unhelpful]" in out and "declined" in out

    assert main(["log", "--index", str(cli_index), "--declined", "--json"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["question"] for x in lines] == ["Who painted the Mona Lisa in Florence?"]
    assert lines[0]["abstained"] is True and lines[0]["helpful"] is None

    assert main(["log", "--index", str(cli_index), "--unhelpful", "--json"]) == 0
    [only] = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert only["question"] == "How do I reset my widget?" and only["helpful"] is False and only["chunk_id"]

    assert main(["log", "--index", str(cli_index), "--limit", "1", "--json"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1


def test_logging_can_be_turned_off(cli_index, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(qlog.ENV, "off")
    assert main(["ask", "--index", str(cli_index), "How do I reset my widget?"]) == 0
    assert not (tmp_path / "logs.db").exists()
    assert main(["log", "--index", str(cli_index)]) == 1
    assert "logging is off" in capsys.readouterr().err
    monkeypatch.delenv(qlog.ENV)
    settings = tmp_path / "s.json"
    settings.write_text('{"log_questions": false}')
    assert main(["ask", "--index", str(cli_index), "--settings", str(settings), "How do I reset my widget?"]) == 0
    assert not (tmp_path / "logs.db").exists()
    settings.write_text('{"log_questions": "no"}')
    assert main(["ask", "--index", str(cli_index), "--settings", str(settings), "reset"]) == 1
    assert "log_questions must be true or false" in capsys.readouterr().err


@pytest.mark.parametrize("limit", ["0", "-3", "x", "100001"])
def test_log_limit_is_checked(cli_index, limit, capsys):
    with pytest.raises(SystemExit):
        main(["log", "--index", str(cli_index), "--limit", limit])


def test_log_without_a_log_says_how_one_starts(cli_index, capsys):
    assert main(["log", "--index", str(cli_index)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("faqrag: error: no question log") and err.count("\n") == 1


def test_a_log_that_cannot_be_written_is_a_warning_not_a_failure(cli_index, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(qlog.ENV, str(tmp_path))  # a folder
    assert main(["ask", "--index", str(cli_index), "How do I reset my widget?"]) == 0
    captured = capsys.readouterr()
    assert "Hold the power button" in captured.out and "was not logged" in captured.err


# ------------------------------------------------------------------ the page


@pytest.mark.parametrize(("button", "helpful"), [("helpful-yes", True), ("helpful-no", False)])
def test_page_logs_the_question_and_stores_feedback(
    monkeypatch, tmp_path, built_index, use_fake_model, button, helpful
):
    from test_app import ask, start

    monkeypatch.delenv(qlog.ENV, raising=False)
    question = "How do I reset my widget?"
    at = ask(start(monkeypatch, built_index, tmp_path / "corpus"), question)
    assert any("Did this answer" in c.value for c in at.caption)
    at.button(key=button).click().run(timeout=60)
    assert not at.exception
    assert any("Thanks" in c.value for c in at.caption) and not [b for b in at.button if b.key == button]
    [row] = qlog.recent(tmp_path / "logs.db")  # the rerun did not log it twice
    assert row.question == question and row.channel == "page" and row.helpful is helpful
    assert row.abstained is False


@pytest.mark.parametrize("question", ["Who painted the Mona Lisa in Florence?"])
def test_a_decline_is_logged_without_asking_if_it_answered(
    monkeypatch, tmp_path, built_index, use_fake_model, question
):
    from test_app import ask, start

    monkeypatch.delenv(qlog.ENV, raising=False)
    at = ask(start(monkeypatch, built_index, tmp_path / "corpus"), question)
    assert not any("Did this answer" in c.value for c in at.caption)
    assert not [b for b in at.button if b.key in ("helpful-yes", "helpful-no")]
    [row] = qlog.recent(tmp_path / "logs.db")
    assert row.question == question and row.abstained is True and row.helpful is None


def test_page_without_logging_asks_no_feedback(monkeypatch, tmp_path, built_index, use_fake_model):
    from test_app import ask, start

    monkeypatch.setenv(qlog.ENV, "off")
    at = ask(start(monkeypatch, built_index, tmp_path / "corpus"), "How do I reset my widget?")
    assert not any("Did this answer" in c.value for c in at.caption)
    assert not (tmp_path / "logs.db").exists()


def test_log_lists_hand_offs_and_answers_given_with_weak_support(cli_index, tmp_path, capsys):
    settings = tmp_path / "s.json"
    settings.write_text('{"handoff": "https://help.example/form"}')
    assert main(["ask", "--index", str(cli_index), "--settings", str(settings), "zebra quantum saxophone"]) == 0
    assert main(["ask", "--index", str(cli_index), "What is the Bayview phone number in Northern Region?"]) == 0
    capsys.readouterr()
    assert main(["log", "--index", str(cli_index)]) == 0
    out = capsys.readouterr().out
    assert "declined  [handed off]" in out and "?  the question names Northern; the answer does not" in out
    assert main(["log", "--index", str(cli_index), "--weak", "--json"]) == 0
    [weak] = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert weak["question"].startswith("What is the Bayview") and weak["weak"] and weak["handed_off"] is False
