"""How far the signals go: every set tuned on ITSELF (in-sample, an upper bound).

Usage: .venv/bin/python tools/ceiling.py [--sets eval/sets.json] [--only NAME ...]

tools/tune.py reports what settings chosen on other corpora do on a set. This
script asks the opposite question, to tell a tuning problem from a signal
problem: with the ranking settings of tune.py's grid chosen on the set itself,
and a confidence model fitted on the set itself, how close can the set come
to the targets? If even that misses a target, no choice of settings will meet
it on unseen material; what stands in the way is what the model and BM25 can
tell apart.

Per set it prints:
- answer (never declining) / hit@1 / unit@1 / hit@5 under the set's own best
  ranking settings: the most the short answer can be right;
- the covered questions whose gold is nowhere in the top 5 (retrieval misses)
  and those in the top 5 but not first (ranking misses);
- with confidence fitted on the set itself: uncovered questions declined
  when at most 5% of covered ones are, and covered declined when 85% of
  uncovered ones are; and the area under the ROC curve of covered vs uncovered.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tune  # noqa: E402


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """Probability that a covered question scores above an uncovered one (ties half)."""
    if not len(pos) or not len(neg):
        return float("nan")
    gt = (pos[:, None] > neg[None, :]).mean()
    eq = (pos[:, None] == neg[None, :]).mean()
    return float(gt + eq / 2)


def decline_ceiling(rows: list[dict]) -> tuple[float, float, float]:
    """Confidence fitted on these rows alone: (uncovered declined at <= 5% covered
    declined, covered declined at >= 85% uncovered declined, AUC)."""
    w, _ = tune.fit_confidence(rows)
    conf = tune.confidences(rows, w)
    cov = np.array([c for c, r in zip(conf, rows) if r["covered"]])
    unc = np.array([c for c, r in zip(conf, rows) if not r["covered"]])
    if not len(unc):
        return float("nan"), float("nan"), float("nan")
    # Decline below t: the cut that keeps 95% of covered answered, and the
    # cut that declines 85% of uncovered.
    t5 = np.sort(cov)[int(np.floor(0.05 * len(cov)))]
    unc_at_5 = float((unc < t5).mean())
    t85 = np.sort(unc)[int(np.ceil(0.85 * len(unc))) - 1]
    cov_at_85 = float((cov <= t85).mean())
    return unc_at_5, cov_at_85, auc(cov, unc)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", type=Path, default=tune.ROOT / "eval/sets.json")
    ap.add_argument("--only", nargs="*", help="use only these sets")
    args = ap.parse_args()
    embedder = tune.SentenceTransformerEmbedder()
    sets = tune.load_sets(embedder, args.sets, args.only)
    swept = tune.sweep(sets, embedder, tune.Settings(abstain_below=0.0))
    print("Each set tuned on itself (in-sample: an upper bound, not a result)")
    heads = ("set", "answer", "hit@1", "unit@1", "hit@5", "ranking", "missing", "unc@5%", "cov@85%", "AUC")
    print(f"{heads[0]:15s}" + "".join(f"{h:>9s}" for h in heads[1:]))
    for name, *_ in sets:
        best = None
        for _, rows in swept.values():
            own = [r for r in rows if r["set"] == name]
            cov = [r for r in own if r["covered"]]
            score = (np.mean([r["right"] for r in cov]), np.mean([r["hit5"] for r in cov]))
            if best is None or score > best[0]:
                best = (score, own)
        own = best[1]
        cov = [r for r in own if r["covered"]]
        ranking = sum(r["hit5"] and not r["hit1"] for r in cov)
        missing = sum(not r["hit5"] for r in cov)
        unc5, cov85, a = decline_ceiling(own)
        cells = [np.mean([r[k] for r in cov]) for k in ("right", "hit1", "unit1", "hit5")]
        print(
            f"{name:15s}"
            + "".join(f"{x * 100:8.1f}%" for x in cells)
            + f"{ranking:9d}{missing:9d}"
            + "".join(f"{x * 100:8.1f}%" for x in (unc5, cov85))
            + f"{a:9.3f}"
        )


if __name__ == "__main__":
    main()
