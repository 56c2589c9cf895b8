"""Measuring answers against labelled questions, in one vocabulary everywhere
(the eval table, the report, staging, calibration and the README):

- ``answer_right``: covered questions answered, with a gold string in the short answer;
- ``uncovered_declined``: uncovered questions declined, as they should be;
- ``covered_declined``: covered questions declined, which they should not be;
- ``reliability``: answers by confidence label (High, Medium, Low), and how many were right;
- ``hit@k``, MRR@10, nDCG@10: over the list [short answer, passage 1, passage 2, ...],
  the rank of the first item that holds a gold string. There is one relevant item
  per question, so nDCG@10 is 1/log2(1 + rank) and MRR@10 is 1/rank (0 past rank 10).

Gold strings are matched after folding case, curly quotes, dashes and white space.
"""

from __future__ import annotations

import math
from collections import defaultdict
from statistics import median

from faqrag.evaluation.questions import EvalQuestion
from faqrag.text import contains


def judge(q: EvalQuestion, resp: dict) -> dict:
    """Per-question results, added to the answer JSON."""
    ranked = ([resp["answer"]["text"]] if resp["answer"] else []) + [p["text"] for p in resp["passages"]]
    hit_rank = next((i + 1 for i, t in enumerate(ranked) if any(contains(t, a) for a in q.answers)), None)
    hit_answer = bool(resp["answer"]) and any(contains(resp["answer"]["text"], a) for a in q.answers)
    return {
        "id": q.id,
        "type": q.type,
        "answers": list(q.answers),
        **resp,
        "hit_answer": hit_answer,
        "hit_rank": hit_rank,
        "latency_ms": resp["timings_ms"]["total"],
    }


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    i = min(len(s) - 1, max(0, math.ceil(p / 100 * len(s)) - 1))
    return s[i]


def summarize(results: list[dict], wall_seconds: float) -> dict:
    covered = [r for r in results if r["answers"]]
    uncovered = [r for r in results if not r["answers"]]

    def ranked(rows):
        ranks = [r["hit_rank"] for r in rows]
        return {
            "answer_right": share(rows, lambda r: r["hit_answer"]),
            "hit@1": share(rows, lambda r: r["hit_rank"] == 1),
            "hit@3": share(rows, lambda r: r["hit_rank"] is not None and r["hit_rank"] <= 3),
            "hit@5": share(rows, lambda r: r["hit_rank"] is not None and r["hit_rank"] <= 5),
            "mrr@10": round(sum(1 / x for x in ranks if x and x <= 10) / len(rows), 4) if rows else None,
            "ndcg@10": round(sum(1 / math.log2(1 + x) for x in ranks if x and x <= 10) / len(rows), 4)
            if rows
            else None,
            "covered_declined": share(rows, lambda r: r["abstained"]),
        }

    by_type = {}
    groups = defaultdict(list)
    for r in results:
        groups[r["type"]].append(r)
    for t, rows in sorted(groups.items()):
        cov = [r for r in rows if r["answers"]]
        unc = [r for r in rows if not r["answers"]]
        by_type[t] = {
            "n": len(rows),
            "answer_right": share(cov, lambda r: r["hit_answer"]),
            "hit@5": share(cov, lambda r: r["hit_rank"] is not None and r["hit_rank"] <= 5),
            "uncovered_declined": share(unc, lambda r: r["abstained"]),
        }
    lat = [r["latency_ms"] for r in results]
    answers = [len(r["answer"]["text"]) for r in results if r["answer"]]
    return {
        "questions": len(results),
        "covered": len(covered),
        "uncovered": len(uncovered),
        **ranked(covered),
        "uncovered_declined": share(uncovered, lambda r: r["abstained"]),
        "latency_ms_p50": round(_pct(lat, 50), 2),
        "latency_ms_p95": round(_pct(lat, 95), 2),
        "questions_per_second": round(len(results) / wall_seconds, 2) if wall_seconds else None,
        "median_answer_chars": median(answers) if answers else 0,
        "by_type": by_type,
        "reliability": reliability(results),
    }


LABELS = ("High", "Medium", "Low")


def reliability(results: list[dict]) -> dict[str, dict[str, int]]:
    """Answers by confidence label and how many were right (an answered uncovered
    question is wrong): what each label meant on these questions."""
    out = {label: {"answered": 0, "right": 0} for label in LABELS}
    for r in results:
        band = out.get(r.get("label") or "")
        if band is None or r["abstained"]:
            continue
        band["answered"] += 1
        band["right"] += bool(r["answers"] and r["hit_answer"])
    return out


def outcome(r: dict) -> bool:
    """Whether a question was answered right: gold in the answer, or declined when it should be."""
    return r["hit_answer"] if r["answers"] else r["abstained"]


def compare(results: list[dict], previous: dict) -> dict:
    before = previous.get("outcomes", {})
    better, worse = [], []
    for r in results:
        was = before.get(r["id"])
        if was is None:
            continue
        now = outcome(r)
        if now and not was:
            better.append(r["id"])
        elif was and not now:
            worse.append(r["id"])
    return {"better": better, "worse": worse}


def figures(results: list[dict]) -> dict[str, float | None]:
    """The three headline rates of judged results: answer_right, uncovered_declined, covered_declined."""
    covered = [r for r in results if r["answers"]]
    uncovered = [r for r in results if not r["answers"]]
    return {
        "answer_right": share(covered, lambda r: r["hit_answer"]),
        "uncovered_declined": share(uncovered, lambda r: r["abstained"]),
        "covered_declined": share(covered, lambda r: r["abstained"]),
    }


def share(rows: list, pred) -> float | None:
    """The share of ``rows`` for which ``pred`` holds, to four places; None for no rows."""
    return round(sum(1 for r in rows if pred(r)) / len(rows), 4) if rows else None
