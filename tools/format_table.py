"""The same guide in every form the repo can write, and how well each answers: one table.

    .venv/bin/python tools/format_table.py [--guide corpus/GUIDE.txt] [--questions eval/dev.jsonl]
                                          [--out build/formats] [--only text cms ...]

Writes the guide as plain text, a clean web page, DOCX and PDF
(``make_format_fixtures.py``), a CMS-made web page and a saved multi-page help
site split at its top headings (``cms_fixtures.py``), builds each form's index
with the real model (``OUT/index-<form>``) and answers
the questions against it. Prints, per form: chunks, short answer right, hit@5,
covered and uncovered declined, and each one's difference from plain text in
points (the target: within two).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
FORMS = ("text", "html", "cms", "site", "docx", "pdf")
COLUMNS = ("answer_right", "hit@5", "covered_declined", "uncovered_declined")


def make_forms(guide: Path, out: Path) -> None:
    import cms_fixtures
    import make_format_fixtures

    for form in FORMS:
        if (out / form).exists():
            shutil.rmtree(out / form)
    make_format_fixtures.main([str(guide), str(out)])
    cms_fixtures.main([str(guide), str(out)])
    side = guide.with_name(guide.name + ".meta.json")
    if side.exists():  # the single-page forms carry the guide's sidecar, as make_format_fixtures does
        shutil.copyfile(side, out / "cms" / f"{guide.stem}.html.meta.json")


def measure(form: str, out: Path, questions: Path) -> dict:
    from faqrag.cli import main as faqrag

    corpus, index, report = out / form, out / f"index-{form}", out / f"report-{form}.json"
    answers = out / f"answers-{form}.jsonl"  # each question's answer, to compare the forms
    # Built every time: the forms' files may be the same bytes while the code that reads them is not.
    if faqrag(["build", "--corpus", str(corpus), "--index", str(index)]) != 0:
        raise SystemExit(f"format_table: building {corpus} failed")
    if faqrag(["eval", str(questions), "--index", str(index), "--report", str(report), "--output", str(answers)]) != 0:
        raise SystemExit(f"format_table: answering {questions} against {index} failed")
    summary = json.loads(report.read_text(encoding="utf-8"))["summary"]
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    return {"chunks": manifest["counts"]["chunks"], "documents": manifest["counts"]["documents"], **summary}


def table(rows: dict[str, dict]) -> str:
    base = rows.get("text")
    head = ["form", "documents", "chunks", *COLUMNS, "answer vs text", "hit@5 vs text"]
    body = []
    for form, s in rows.items():

        def pct(key: str, s=s) -> str:
            return "-" if s.get(key) is None else f"{s[key] * 100:.1f}%"

        def delta(key: str, s=s) -> str:
            if not base or s.get(key) is None or base.get(key) is None:
                return "-"
            return f"{(s[key] - base[key]) * 100:+.1f}"

        body.append(
            [form, str(s["documents"]), str(s["chunks"]), *(pct(k) for k in COLUMNS)]
            + [delta("answer_right"), delta("hit@5")]
        )
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    lines = [
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
        for r in [head, *body]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--guide", type=Path, default=ROOT / "corpus" / "rakuten-rewards-help.txt")
    ap.add_argument("--questions", type=Path, default=ROOT / "eval" / "dev.jsonl")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "formats")
    ap.add_argument("--only", nargs="+", choices=FORMS, help="forms to measure (default: all)")
    args = ap.parse_args(argv)
    make_forms(args.guide, args.out)
    rows = {form: measure(form, args.out, args.questions) for form in FORMS if not args.only or form in args.only}
    print(f"\n{args.questions.name} on {args.guide.name}, in every form ({args.out}):\n")
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
