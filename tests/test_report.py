"""Evaluation reports rendered from hand-made results: content, escaping, self-containment."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from faqrag.errors import FaqragError
from faqrag.evaluation.metrics import compare, summarize
from faqrag.evaluation.report import bar_chart, missed, render

NASTY = '<script>alert("x")</script> & co'


def row(qid, qtype, answers, *, answer=None, abstained=False, hit=False, source="Guide › Contact"):
    return {
        "id": qid,
        "type": qtype,
        "question": f"question {qid}?",
        "answers": list(answers),
        "abstained": abstained,
        "answer": {"text": answer, "source": source} if answer is not None else None,
        "passages": [{"text": "p", "score": 0.5, "source": source}],
        "hit_answer": hit,
        "hit_rank": 1 if hit else None,
        "latency_ms": 3.0,
    }


@pytest.fixture
def results():
    return [
        row("ok", "faq", ["gold"], answer="the gold answer", hit=True),
        row("wrong", "directory", ["555-0201", "555-0202"], answer="Call 555-0101 | or not"),
        row("shy", "directory", ["555-0101"], abstained=True),
        row("declined", "oos", [], abstained=True),
        {**row("chatty", "oos", [], answer=NASTY, source="Guide & <Co>"), "question": f"What is {NASTY}?"},
    ]


@pytest.fixture
def report(results):
    summary = summarize(results, 1.0)
    rep = {"summary": summary, "outcomes": {}}
    rep["compare"] = compare(results, {"outcomes": {"ok": False, "declined": True, "shy": True}})
    return rep


def test_missed_lists_each_kind_of_failure_with_what_came_back(results):
    got = {m.id: m for m in missed(results)}
    assert set(got) == {"wrong", "shy", "chatty"}
    assert got["wrong"].why == "gold not in answer" and got["wrong"].returned == "Call 555-0101 | or not"
    assert got["wrong"].gold == ("555-0201", "555-0202")
    assert got["shy"].why == "covered declined" and got["shy"].returned == "declined"
    assert got["chatty"].why == "not declined" and got["chatty"].top_source == "Guide & <Co>"


def test_json_report_round_trips(report, results):
    assert json.loads(render(".json", report, results)) == report


def test_unknown_report_type_is_an_error(report, results):
    with pytest.raises(FaqragError, match=r"unknown report type '\.pdf'; name the report \.json, \.html or \.md"):
        render(".pdf", report, results)


def test_html_is_self_contained_and_escapes_data(report, results):
    page = render(".html", report, results)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    # Opened offline: no scripts, stylesheets, images or fonts from anywhere.
    assert "<script" not in page and "<link" not in page and " src=" not in page
    assert re.findall(r"https?://[^\s\"']+", page) == ["http://www.w3.org/2000/svg"]
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in page
    assert "Guide &amp; &lt;Co&gt;" in page


def test_html_has_metrics_compare_and_missed_sections(report, results):
    page = render(".html", report, results)
    assert "<th>answer right (covered)</th><td>33.3%</td>" in page
    assert "<th>uncovered declined</th><td>50.0%</td>" in page
    assert "Compared with the previous report: 1 better, 1 worse" in page
    assert "<td class=better>better</td><td>ok</td>" in page and "<td class=worse>worse</td><td>shy</td>" in page
    assert "Missed questions (3)" in page and "555-0201<br>555-0202" in page and "(should decline)" in page


def test_html_without_compare_has_no_compare_section(report, results):
    del report["compare"]
    assert "Compared with" not in render(".html", report, results)


def test_chart_is_valid_svg_with_one_bar_per_known_rate(report, results):
    page = render(".html", report, results)
    svg = ET.fromstring(re.search(r"<svg.*?</svg>", page, re.S).group(0))
    ns = "{http://www.w3.org/2000/svg}"
    bars = [r for r in svg.iter(f"{ns}rect") if r.find(f"{ns}title") is not None]
    titles = sorted(r.find(f"{ns}title").text for r in bars)
    # directory: accuracy 0 and hit@5 0 (drawn as empty bars); faq: 100 and 100; oos: uncovered declined 50.
    assert titles == [
        "directory: answer right 0.0%",
        "directory: hit@5 0.0%",
        "faq: answer right 100.0%",
        "faq: hit@5 100.0%",
        "oos: uncovered declined 50.0%",
    ]
    heights = {r.find(f"{ns}title").text: float(r.get("height")) for r in bars}
    assert heights["faq: hit@5 100.0%"] == 2 * heights["oos: uncovered declined 50.0%"] > 0


def test_chart_escapes_type_names_and_shortens_long_ones():
    svg = bar_chart(
        {
            "<b>&": {"n": 1, "answer_right": 1.0, "hit@5": 1.0, "uncovered_declined": None},
            "a-very-long-type-name": {"n": 2, "answer_right": 0.5, "hit@5": None, "uncovered_declined": None},
        }
    )
    ET.fromstring(svg)  # well-formed
    assert "&lt;b&gt;&amp;" in svg and ">a-very-long\u2026<" in svg


def test_markdown_tables_keep_their_columns(report, results):
    md = render(".md", report, results)
    assert md.startswith("# faqrag evaluation\n")
    for heading in (
        "## Metrics",
        "## By question type",
        "## Compared with the previous report: 1 better, 1 worse",
        "## Missed questions (3)",
    ):
        assert heading in md
    # Every row of a table has as many unescaped pipes as its header, whatever the data held.
    for block in re.findall(r"(?:^\|.*\n)+", md, re.M):
        lines = block.splitlines()
        widths = {len(re.findall(r"(?<!\\)\|", line)) for line in lines}
        assert len(widths) == 1, block
    assert "Call 555-0101 \\| or not" in md
    assert "&lt;script&gt;" in md and "<script>" not in md
    assert "| oos | 2 | - | - | 50.0% |" in md


def test_reports_say_where_they_came_from(report, results):
    run = {"questions": "eval/dev.jsonl", "index": "index", "model": "all-MiniLM-L6-v2", "date": "2026-11-24T20:00:00Z"}
    run["faqrag_version"] = "0.1.0"
    with_run = {**report, "run": {**run, "index": NASTY}}
    for suffix in (".html", ".md"):
        text = render(suffix, with_run, results)
        for value in ("eval/dev.jsonl", "all-MiniLM-L6-v2", "2026-11-24T20:00:00Z", "0.1.0"):
            assert value in text
        assert "<script>" not in text  # a path is data like any other
    assert json.loads(render(".json", with_run, results))["run"]["model"] == "all-MiniLM-L6-v2"
    assert "questions file" not in render(".md", report, results)  # older reports: no run section


def test_reports_say_when_nothing_was_missed():
    rows = [row("ok", "faq", ["gold"], answer="gold", hit=True), row("no", "oos", [], abstained=True)]
    rep = {"summary": summarize(rows, 1.0), "outcomes": {}}
    assert "Missed questions (0)" in render(".html", rep, rows)
    assert "None: every question was answered or declined as expected." in render(".md", rep, rows)


def test_the_reliability_table_counts_answers_by_label_and_an_answered_uncovered_question_as_wrong():
    rows = [
        {**row("a", "faq", ["g"], answer="g", hit=True), "label": "High"},
        {**row("b", "faq", ["g"], answer="x"), "label": "High"},  # wrong
        {**row("c", "oos", [], answer="x"), "label": "Medium"},  # answered, should have declined
        {**row("d", "faq", ["g"], answer="g", hit=True), "label": "Low"},
        {**row("e", "faq", ["g"], abstained=True), "label": None},  # declined: in no band
        row("f", "faq", ["g"], answer="g", hit=True),  # a result from before labels: in no band
    ]
    bands = summarize(rows, 1.0)["reliability"]
    assert bands == {
        "High": {"answered": 2, "right": 1},
        "Medium": {"answered": 1, "right": 0},
        "Low": {"answered": 1, "right": 1},
    }
    report = {"summary": summarize(rows, 1.0), "outcomes": {}}
    md = render(".md", report, rows)
    assert "## Reliability: answers by confidence label" in md and "| High | 2 | 1 | 50.0% |" in md
    assert "<h2>Reliability: answers by confidence label</h2>" in render(".html", report, rows)
