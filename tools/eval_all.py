"""Run every labelled question set of the project against its own corpus; one summary table.

The guide's sets use the index in ``index/`` (built from ``corpus/``); each
other corpus is built into ``build/eval-index/<name>`` (ignored by git). Every
index is built only when missing or stale, so a second run only answers.
Each set also writes its report to ``build/eval-report/<set>.html`` and
``.json`` (the JSON for ``faqrag eval --compare``), with its answers in ``.results.jsonl``.

    .venv/bin/python tools/eval_all.py [--only NAME ...]

This is ``make eval``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _sets() -> tuple[tuple[str, str, str, str], ...]:
    """(set name, questions, corpus, index) for every set in eval/sets.json."""
    out = []
    for entry in json.loads((ROOT / "eval" / "sets.json").read_text(encoding="utf-8")):
        corpus = entry["corpus"]
        index = "index" if corpus == "corpus" else f"build/eval-index/{Path(corpus).name}"
        out.append((entry["name"], entry["questions"], corpus, index))
    return tuple(out)


# (set name, questions, corpus, index)
SETS = _sets()
REPORTS = "build/eval-report"
COLUMNS = (  # summary key, heading
    ("questions", "questions"),
    ("answer_right", "answer right"),
    ("hit@5", "hit@5"),
    ("covered_declined", "covered declined"),
    ("uncovered_declined", "uncovered declined"),
    ("median_answer_chars", "median chars"),
    ("latency_ms_p50", "p50 ms"),
)


def cell(key: str, value) -> str:
    if value is None:
        return "-"
    if key in ("answer_right", "hit@5", "covered_declined", "uncovered_declined"):
        return f"{value * 100:.1f}%"
    if key == "median_answer_chars":
        return f"{value:.0f}"  # a median of an even count can be x.5
    return str(value)


def main(argv: list[str] | None = None) -> int:
    from faqrag.cli import main as faqrag
    from faqrag.evaluation.report import render
    from faqrag.files import write_atomically

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="+", metavar="NAME", help=f"sets to run (of {', '.join(s[0] for s in SETS)})")
    args = ap.parse_args(argv)
    chosen = [s for s in SETS if not args.only or s[0] in args.only]
    if not chosen:
        print(f"eval_all: no set named {', '.join(args.only)}", file=sys.stderr)
        return 1
    rows = []
    for name, questions, corpus, index in chosen:
        print(f"\n== {name}: {questions} against {corpus}/ (index {index}/)", flush=True)
        paths = {k: str(ROOT / v) for k, v in (("q", questions), ("c", corpus), ("i", index))}
        if faqrag(["build", "--corpus", paths["c"], "--index", paths["i"], "--if-stale"]) != 0:
            return 1
        report, results = ROOT / REPORTS / f"{name}.json", ROOT / REPORTS / f"{name}.results.jsonl"
        code = faqrag(["eval", paths["q"], "--index", paths["i"], "--report", str(report), "--output", str(results)])
        if code != 0:
            return code
        data = json.loads(report.read_text(encoding="utf-8"))
        rows_of_set = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines()]
        write_atomically(report.with_suffix(".html"), render(".html", data, rows_of_set))  # the same run, for people
        rows.append((name, data["summary"]))
    print("\n" + summary_table(rows))
    print(f"\nreports: {REPORTS}/<set>.html and .json")
    return 0


def summary_table(rows: list[tuple[str, dict]]) -> str:
    head = ["set", *(h for _, h in COLUMNS)]
    body = [[name, *(cell(k, s.get(k)) for k, _ in COLUMNS)] for name, s in rows]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    lines = [
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
        for r in [head, *body]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
