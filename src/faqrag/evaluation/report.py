"""Evaluation reports: JSON for machines (and --compare), HTML and Markdown for people.

The HTML report is one self-contained file (inline CSS, an inline SVG chart, no
scripts or external links) because it is opened offline, attached to issues and
archived next to the index it measured. Both human reports show the same
content: the metrics, the per-type breakdown, the comparison with a previous
run, and every question that went wrong with what was returned instead.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path

from faqrag.errors import FaqragError
from faqrag.limits import MAX_QUESTION_FILE_BYTES, loads, read_capped

SUFFIXES = (".json", ".html", ".md")

# The three per-type rates the chart draws, with their colours.
SERIES = (
    ("answer_right", "answer right", "#2b6cb0"),
    ("hit@5", "hit@5", "#38a169"),
    ("uncovered_declined", "uncovered declined", "#dd6b20"),
)


def check_suffix(suffix: str) -> None:
    """Raise before any work is done when a report type is unknown."""
    if suffix not in SUFFIXES:
        raise FaqragError(f"unknown report type '{suffix or '(none)'}'; name the report .json, .html or .md")


def render(suffix: str, report: dict, results: list[dict]) -> str:
    check_suffix(suffix)
    if suffix == ".json":
        return json.dumps(report, indent=2, ensure_ascii=False)
    misses = missed(results)
    if suffix == ".html":
        return _html(report, results, misses)
    return _markdown(report, results, misses)


# ------------------------------------------------------------ shared content


@dataclass(frozen=True)
class Miss:
    """One question that went wrong, and what the engine gave instead."""

    id: str
    type: str
    why: str
    question: str
    gold: tuple[str, ...]
    returned: str  # the answer text, or "declined"
    top_source: str  # source of the first passage, or "-"


def missed(results: list[dict]) -> list[Miss]:
    """Covered questions without gold in the answer, uncovered ones not declined, covered ones declined."""
    out = []
    for r in results:
        if r["answers"] and r["abstained"]:
            why = "covered declined"
        elif r["answers"] and not r["hit_answer"]:
            why = "gold not in answer"
        elif not r["answers"] and not r["abstained"]:
            why = "not declined"
        else:
            continue
        returned = r["answer"]["text"] if r["answer"] and not r["abstained"] else "declined"
        top = r["passages"][0]["source"] if r["passages"] else "-"
        out.append(Miss(r["id"], r["type"], why, r["question"], tuple(r["answers"]), returned, top))
    return out


RUN_LABELS = (
    ("questions", "questions file"),
    ("index", "index"),
    ("index_built_at", "index built"),
    ("model", "model"),
    ("date", "evaluated"),
    ("faqrag_version", "faqrag version"),
)


def run_rows(report: dict) -> list[tuple[str, str]]:
    """Where the report came from (absent in reports written before it was recorded)."""
    run = report.get("run") or {}
    return [(label, str(run[key])) for key, label in RUN_LABELS if run.get(key) is not None]


def _pct(x) -> str:
    return "-" if x is None else f"{x * 100:.1f}%"


def _num(x) -> str:
    return "-" if x is None else str(x)


def metric_rows(s: dict) -> list[tuple[str, str]]:
    return [
        ("questions", f"{s['questions']} ({s['covered']} covered, {s['uncovered']} uncovered)"),
        ("answer right (covered)", _pct(s["answer_right"])),
        ("hit@1 / hit@3 / hit@5", f"{_pct(s['hit@1'])} / {_pct(s['hit@3'])} / {_pct(s['hit@5'])}"),
        ("MRR@10 / nDCG@10", f"{_num(s['mrr@10'])} / {_num(s['ndcg@10'])}"),
        ("covered declined", _pct(s["covered_declined"])),
        ("uncovered declined", _pct(s["uncovered_declined"])),
        ("latency p50 / p95", f"{s['latency_ms_p50']} / {s['latency_ms_p95']} ms"),
        ("questions per second", _num(s["questions_per_second"])),
        ("median answer length", f"{s['median_answer_chars']} chars"),
    ]


def reliability_rows(s: dict) -> list[list[str]]:
    """[label, answered, right, share right] per confidence label (reports written before labels have none)."""
    rows = []
    for label, band in (s.get("reliability") or {}).items():
        n, right = band["answered"], band["right"]
        rows.append([label, str(n), str(right), _pct(right / n if n else None)])
    return rows


RELIABILITY_HEAD = ["label", "answered", "right", "share right"]
RELIABILITY_TITLE = "Reliability: answers by confidence label"


def _compare_rows(report: dict, results: list[dict]) -> list[tuple[str, str, str]]:
    """(better|worse, id, question) for each question whose outcome changed."""
    c = report.get("compare")
    if c is None:
        return []
    question = {r["id"]: r["question"] for r in results}
    return [(kind, qid, question.get(qid, "")) for kind in ("better", "worse") for qid in c[kind]]


# ---------------------------------------------------------------------- HTML

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#1a202c}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #e2e8f0;padding-bottom:.2em}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #e2e8f0;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f7fafc}td.n{text-align:right;font-variant-numeric:tabular-nums}
.better{color:#276749}.worse{color:#9b2c2c}.why{white-space:nowrap}.muted{color:#718096}
"""


def _html(report: dict, results: list[dict], misses: list[Miss]) -> str:
    # One page written top to bottom, each section in the order it is read: split, the order would hide.
    e = html.escape
    s = report["summary"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>faqrag evaluation: {s['questions']} questions</title><style>{_CSS}</style></head><body>",
        "<h1>faqrag evaluation</h1>",
        *(
            ["<table>", *(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in run_rows(report)), "</table>"]
            if run_rows(report)
            else []
        ),
        "<h2>Metrics</h2><table>",
        *(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in metric_rows(s)),
        "</table>",
        *(
            [
                f"<h2>{RELIABILITY_TITLE}</h2><table><tr>"
                + "".join(f"<th>{h}</th>" for h in RELIABILITY_HEAD)
                + "</tr>",
                *("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in reliability_rows(s)),
                "</table>",
            ]
            if reliability_rows(s)
            else []
        ),
        "<h2>By question type</h2>",
        bar_chart(s["by_type"]),
        "<table><tr><th>type</th><th>n</th><th>answer right</th><th>hit@5</th><th>uncovered declined</th></tr>",
        *(
            f"<tr><td>{e(t)}</td><td class=n>{m['n']}</td><td class=n>{_pct(m['answer_right'])}</td>"
            f"<td class=n>{_pct(m['hit@5'])}</td><td class=n>{_pct(m['uncovered_declined'])}</td></tr>"
            for t, m in s["by_type"].items()
        ),
        "</table>",
    ]
    if "compare" in report:
        rows = _compare_rows(report, results)
        c = report["compare"]
        parts.append(f"<h2>Compared with the previous report: {len(c['better'])} better, {len(c['worse'])} worse</h2>")
        if rows:
            parts.append("<table><tr><th>change</th><th>id</th><th>question</th></tr>")
            parts += [f"<tr><td class={k}>{k}</td><td>{e(i)}</td><td>{e(q)}</td></tr>" for k, i, q in rows]
            parts.append("</table>")
        else:
            parts.append('<p class="muted">No question changed outcome.</p>')
    parts.append(f"<h2>Missed questions ({len(misses)})</h2>")
    if misses:
        parts.append(
            "<table><tr><th>id</th><th>type</th><th>why</th><th>question</th><th>gold</th>"
            "<th>returned</th><th>top passage source</th></tr>"
        )
        for m in misses:
            gold = "<br>".join(e(g) for g in m.gold) or '<span class="muted">(should decline)</span>'
            parts.append(
                f"<tr><td>{e(m.id)}</td><td>{e(m.type)}</td><td class=why>{e(m.why)}</td><td>{e(m.question)}</td>"
                f"<td>{gold}</td><td>{e(m.returned)}</td><td>{e(m.top_source)}</td></tr>"
            )
        parts.append("</table>")
    else:
        parts.append('<p class="muted">None: every question was answered or declined as expected.</p>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def bar_chart(by_type: dict[str, dict]) -> str:
    """Grouped bars per question type, 0-100%, as inline SVG; a missing rate draws no bar."""
    e = html.escape
    left, top, plot_h, bottom = 44, 28, 200, 40
    bar_w, gap = 18, 22
    group_w = bar_w * len(SERIES) + gap
    width = left + group_w * max(1, len(by_type)) + 10
    height = top + plot_h + bottom
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'role="img" aria-label="rates by question type" style="max-width:100%;height:auto;font-family:sans-serif">'
    ]
    for pct in (0, 25, 50, 75, 100):  # grid lines and the y axis
        y = top + plot_h - plot_h * pct / 100
        out.append(f'<line x1="{left}" x2="{width - 10}" y1="{y}" y2="{y}" stroke="#e2e8f0"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4}" font-size="11" text-anchor="end" fill="#4a5568">{pct}%</text>')
    x_legend = left
    for _key, label, colour in SERIES:  # legend above the plot
        out.append(f'<rect x="{x_legend}" y="6" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{x_legend + 16}" y="16" font-size="12">{e(label)}</text>')
        x_legend += 30 + 7 * len(label)
    for g, (t, m) in enumerate(by_type.items()):
        x0 = left + gap / 2 + g * group_w
        for i, (key, label, colour) in enumerate(SERIES):
            x = x0 + i * bar_w
            value = m.get(key)
            if value is None:
                continue
            h = plot_h * value
            y = top + plot_h - h
            out.append(
                f'<rect x="{x}" y="{y}" width="{bar_w - 2}" height="{h}" fill="{colour}">'
                f"<title>{e(t)}: {e(label)} {_pct(value)}</title></rect>"
            )
            out.append(
                f'<text x="{x + (bar_w - 2) / 2}" y="{y - 3}" font-size="9" text-anchor="middle">{round(value * 100)}</text>'
            )
        name = t if len(t) <= 12 else t[:11] + "\u2026"
        cx = x0 + bar_w * len(SERIES) / 2
        out.append(f'<text x="{cx}" y="{top + plot_h + 16}" font-size="12" text-anchor="middle">{e(name)}</text>')
        out.append(
            f'<text x="{cx}" y="{top + plot_h + 30}" font-size="10" text-anchor="middle" fill="#718096">n={m["n"]}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


# ------------------------------------------------------------------ Markdown


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: no pipes, line breaks or raw HTML."""
    text = " ".join(str(text).split())
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines + [""]


def _markdown(report: dict, results: list[dict], misses: list[Miss]) -> str:
    s = report["summary"]
    out = ["# faqrag evaluation", ""]
    if run_rows(report):
        out += _table(["run", ""], [[k, v] for k, v in run_rows(report)])
    out += ["## Metrics", ""]
    out += _table(["metric", "value"], [[k, v] for k, v in metric_rows(s)])
    if reliability_rows(s):
        out += [f"## {RELIABILITY_TITLE}", ""]
        out += _table(RELIABILITY_HEAD, reliability_rows(s))
    out += ["## By question type", ""]
    out += _table(
        ["type", "n", "answer right", "hit@5", "uncovered declined"],
        [
            [t, str(m["n"]), _pct(m["answer_right"]), _pct(m["hit@5"]), _pct(m["uncovered_declined"])]
            for t, m in s["by_type"].items()
        ],
    )
    if "compare" in report:
        c = report["compare"]
        out += [f"## Compared with the previous report: {len(c['better'])} better, {len(c['worse'])} worse", ""]
        rows = _compare_rows(report, results)
        out += (
            _table(["change", "id", "question"], [list(r) for r in rows])
            if rows
            else ["No question changed outcome.", ""]
        )
    out += [f"## Missed questions ({len(misses)})", ""]
    if misses:
        out += _table(
            ["id", "type", "why", "question", "gold", "returned", "top passage source"],
            [
                [m.id, m.type, m.why, m.question, "; ".join(m.gold) or "(should decline)", m.returned, m.top_source]
                for m in misses
            ],
        )
    else:
        out += ["None: every question was answered or declined as expected.", ""]
    return "\n".join(out)


def read_report(path: Path) -> dict:
    """A report.json written by ``faqrag eval --report``, for ``--compare``."""
    try:
        previous = loads(read_capped(path, MAX_QUESTION_FILE_BYTES, regular=False))
    except (OSError, ValueError) as err:  # not JSON, not UTF-8, over the limit
        raise FaqragError(f"{path}: cannot read the previous report ({err}); pass a report.json") from None
    if not isinstance(previous, dict) or not isinstance(previous.get("outcomes"), dict):
        raise FaqragError(
            f"{path}: not a faqrag report.json (no 'outcomes'); pass one written by 'faqrag eval --report'"
        )
    return previous
