"""The figures behind what frames an answer and what the review page queues and
pre-selects, on the labelled sets (in-sample; each set's index is built when
missing or stale, as tools/eval_all.py does):

- answer/framing.RESTATED: how many answers show the question they answer;
- answer/framing.PASSAGE_MARGIN: of the covered questions answered wrongly whose
  gold is in a passage, how often that passage stands within a margin of the best,
  and how many passages under answers do;
- answer/support: how often answers flagged as weakly supported are wrong,
  against the others, per sign;
- learn/review.PRESELECT_SIMILARITY: the cosine of questions to the unit that
  answers them (right, wrong, or nearest for a question the content does not cover).

    .venv/bin/python tools/framing_figures.py [--only NAME ...]

The figures quoted beside those settings and in docs/review-loop.md ("on eight
labelled sets") are from the eight sets of the issue that set them:

    .venv/bin/python tools/framing_figures.py --only dev guide_own guide_more covid_faq \
        faq_demo rclone_faq cc_faq actions_billing

(rerun 2026-12-07 on 2 AMD EPYC cores: the same figures, 551 questions). Without
--only every set in eval/sets.json is read (13 sets, 2,035 questions); there,
pre-selection at 0.8 holds for 580 of 1,576 right answers, 30 of 265 wrong ones
and 1 of 154 questions the content does not cover.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from eval_all import SETS  # noqa: E402

MARGINS = (0.05, 0.1, 0.15, 0.2, 0.3)
SIGNS = ("names", "scores about as high", "was read as")


def main(argv: list[str] | None = None) -> int:
    from faqrag.answer.framing import RESTATED
    from faqrag.cli import main as faqrag
    from faqrag.engine import Engine
    from faqrag.evaluation.questions import load_questions

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="+", metavar="NAME", help=f"sets to use (of {', '.join(s[0] for s in SETS)})")
    args = ap.parse_args(argv)
    rows = []
    for name, questions, corpus, index in (s for s in SETS if not args.only or s[0] in args.only):
        if faqrag(["build", "--corpus", str(ROOT / corpus), "--index", str(ROOT / index), "--if-stale"]) != 0:
            return 1
        engine = Engine.open(ROOT / index)
        for q in load_questions(ROOT / questions):
            rows.append(_row(name, engine, q))
    shown = [r for r in rows if r["answered"] and r["question_shown"] is not None]
    print(f"sets: {', '.join(dict.fromkeys(r['set'] for r in rows))}; {len(rows)} questions")
    print(f"\nquestion shown (cosine to the unit's own question below {RESTATED}): "
          f"{sum(r['question_shown'] for r in shown)} of {len(shown)} answers from a unit with a question")  # fmt: skip
    _margins(rows)
    _signs(rows)
    _cosines(rows)
    return 0


def _row(name: str, engine, q) -> dict:
    from faqrag.answer.framing import unit_question

    resp = engine.ask(q.question)
    answered = not resp.abstained and resp.answer is not None
    golds = [g.lower() for g in q.answers]
    right = answered and any(g in resp.answer.text.lower() for g in golds)
    unit = resp.answer.chunk_id if answered else (resp.passages[0].chunk_id if resp.passages else None)
    chunk = next((c for c in engine.stored.chunks if c.id == unit), None)
    return {
        "set": name,
        "covered": bool(golds),
        "answered": answered,
        "right": right,
        "question_shown": (resp.answer.question_answered is not None) if answered and unit_question(chunk) else None,
        "weak": resp.weak_support,
        "scores": [p.score for p in resp.passages],
        "gold_scores": [p.score for p in resp.passages if any(g in p.text.lower() for g in golds)],
        "cosine": _cosine(engine, q.question, unit),
    }


def _cosine(engine, question: str, chunk_id: str | None) -> float | None:
    rows = [i for i, c in enumerate(engine.stored.chunks) if c.id == chunk_id]
    if not rows:
        return None
    start, end = engine.retriever.view_start[rows[0]], engine.retriever.view_start[rows[0] + 1]
    vec = np.asarray(engine.embedder.encode([question])[0], dtype=np.float32)
    return float((engine.stored.vectors[start:end] @ vec).max())


def _margins(rows: list[dict]) -> None:
    wrong = [r for r in rows if r["covered"] and r["answered"] and not r["right"] and r["gold_scores"]]
    gaps = [r["scores"][0] - max(r["gold_scores"]) for r in wrong]
    below = [r["scores"][0] - s for r in rows if r["answered"] for s in r["scores"][1:]]
    print("\npassage margin: gold passage of a wrong answer within it | passages under answers within it")
    for m in MARGINS:
        print(f"  {m:.2f}: {sum(g <= m for g in gaps)} of {len(gaps)} | {sum(b <= m for b in below)} of {len(below)}")


def _signs(rows: list[dict]) -> None:
    answered = [r for r in rows if r["covered"] and r["answered"]]

    def wrong(rs):
        return f"{sum(not r['right'] for r in rs)} of {len(rs)} wrong"

    print("\nweak support, answered covered questions:")
    print(
        f"  flagged: {wrong([r for r in answered if r['weak']])}; not flagged: {wrong([r for r in answered if not r['weak']])}"
    )
    for sign in SIGNS:
        print(f"  '{sign}': {wrong([r for r in answered if any(sign in w for w in r['weak'])])}")
    uncovered = [r for r in rows if not r["covered"] and r["answered"]]
    print(f"  uncovered questions answered: {sum(bool(r['weak']) for r in uncovered)} of {len(uncovered)} flagged")


def _cosines(rows: list[dict]) -> None:
    print("\ncosine of a question to the unit answering it (review pre-selection): median [10th-90th percentile]")
    groups = {
        "covered, answered right": [r for r in rows if r["covered"] and r["right"]],
        "covered, answered wrong": [r for r in rows if r["covered"] and r["answered"] and not r["right"]],
        "not covered (nearest unit)": [r for r in rows if not r["covered"]],
    }
    for label, rs in groups.items():
        cs = sorted(r["cosine"] for r in rs if r["cosine"] is not None)
        if cs:
            lo, hi = cs[len(cs) // 10], cs[(len(cs) * 9) // 10]
            at = ", ".join(f"{t}: {sum(c >= t for c in cs)}" for t in (0.6, 0.7, 0.8))
            print(f"  {label}: {statistics.median(cs):.2f} [{lo:.2f}-{hi:.2f}], n={len(cs)}; at or above {at}")


if __name__ == "__main__":
    sys.exit(main())
