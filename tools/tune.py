"""Choose the answering settings on labelled questions, and show the evidence.

Usage: .venv/bin/python tools/tune.py [--write]

For each labelled set (corpus, questions), questions are embedded once; then
1. fusion weights and the answer-type bonus are swept for answer accuracy on
   covered questions (ties broken by hit@5);
2. a logistic model of "this answer is right" is fitted on the top hit's
   features (fused score, coverage of the question's terms, best FAQ question
   similarity): positives are covered questions answered right, negatives are
   uncovered questions; covered questions answered wrong are left out (no
   threshold can fix them);
3. the abstention threshold is the one that declines the most uncovered
   questions while declining at most 5% of the covered ones answered right.
All sets are pooled so the choice holds for guides and FAQ files alike.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from faqrag.answer import confidence_features, prefer_faq_match  # noqa: E402
from faqrag.answer_type import expected_types  # noqa: E402
from faqrag.embedding import SentenceTransformerEmbedder  # noqa: E402
from faqrag.engine import Engine  # noqa: E402
from faqrag.evaluate import load_questions  # noqa: E402
from faqrag.settings import Settings  # noqa: E402
from faqrag.store import build_index, load_index  # noqa: E402
from faqrag.text import contains  # noqa: E402

SETS = [
    ("guide", ROOT / "corpus", ROOT.parent / "shared/eval/dev.jsonl"),
    ("guide", ROOT / "corpus", ROOT / "eval/guide_own.jsonl"),
    ("faq", ROOT / "eval/faq_demo", ROOT / "eval/faq_demo_questions.jsonl"),
]


def load_sets(embedder):
    tmp = Path(tempfile.mkdtemp())
    stores, out = {}, []
    for name, corpus, qfile in SETS:
        if not qfile.exists():
            continue
        if name not in stores:
            build_index(corpus, tmp / name, embedder)
            stores[name] = load_index(tmp / name)
        qs = load_questions(qfile)
        vecs = embedder.encode([q.question for q in qs])
        out.append((qfile.name, stores[name], qs, vecs))
    return out


def run(sets, embedder, settings):
    rows = []
    for _set, stored, qs, vecs in sets:
        engine = Engine(stored, embedder, settings)
        for q, v in zip(qs, vecs):
            r = engine._answer(q.question, v, 5, 0.0)
            terms = engine.retriever.lexical.terms(q.question)
            hits = engine.retriever.search(v, terms, 10, expected_types(q.question))
            feats = confidence_features(prefer_faq_match(hits, settings), terms)
            ranked = ([r.answer.text] if r.answer else []) + [p.text for p in r.passages]
            hit5 = any(any(contains(t, a) for a in q.answers) for t in ranked[:5])
            rows.append(
                {
                    "set": _set,
                    "id": q.id,
                    "covered": q.covered,
                    "confidence": r.confidence,
                    "right": bool(r.answer) and any(contains(r.answer.text, a) for a in q.answers),
                    "hit5": hit5,
                    "features": feats,
                    "coverage": terms.coverage,
                }
            )
    return rows


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 0.02, steps: int = 20000) -> np.ndarray:
    """Gradient descent on standardised features (a few features need nothing
    more), with classes weighted equally; returns weights on the raw scale."""
    mu, sd = x.mean(0), x.std(0) + 1e-9
    xs = np.hstack([(x - mu) / sd, np.ones((len(x), 1))])
    cw = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    w = np.zeros(xs.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-xs @ w))
        grad = xs.T @ (cw * (p - y)) / len(y) + l2 * np.r_[w[:-1], 0]
        w -= 0.5 * grad
    raw = w[:-1] / sd
    return np.r_[raw, w[-1] - (mu * raw).sum()]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", action="store_true", help="print the settings to paste into settings.py")
    args = ap.parse_args()
    embedder = SentenceTransformerEmbedder()
    sets = load_sets(embedder)
    base = Settings(abstain_below=0.0)  # answer everything while ranking is tuned

    best = None
    for wd in (0.55, 0.6, 0.65):
        for bonus in (0.0, 0.04, 0.08):
            s = replace(base, dense_weight=wd, lexical_weight=round(1 - wd, 2), type_bonus=bonus)
            rows = [r for r in run(sets, embedder, s) if r["covered"]]
            acc = sum(r["right"] for r in rows) / len(rows)
            h5 = sum(r["hit5"] for r in rows) / len(rows)
            per = {}
            for r in rows:
                per.setdefault(r["set"], []).append(r["right"])
            detail = " ".join(f"{k}={sum(v) / len(v):.3f}" for k, v in per.items())
            print(f"dense={wd:.2f} bonus={bonus:.2f}  answer={acc:.3f} hit5={h5:.3f}  {detail}")
            if best is None or (acc, h5) > best[0]:
                best = ((acc, h5), s)
    (acc, h5), chosen = best
    print(
        f"\nchosen: dense={chosen.dense_weight} lexical={chosen.lexical_weight} bonus={chosen.type_bonus} "
        f"(answer {acc:.3f}, hit@5 {h5:.3f})"
    )

    rows = run(sets, embedder, chosen)
    use = [r for r in rows if (r["covered"] and r["right"]) or not r["covered"]]
    x = np.array([r["features"] for r in use])
    y = np.array([1.0 if r["covered"] else 0.0 for r in use])
    w = fit_logistic(x, y)
    z = np.hstack([x, np.ones((len(x), 1))]) @ w
    conf = 1 / (1 + np.exp(-z))
    pos, neg = conf[y == 1], conf[y == 0]
    best_t = None
    for t in np.unique(np.r_[conf, 0.5]):
        fa = float(np.mean(pos < t))
        ab = float(np.mean(neg < t))
        if fa <= 0.05 and (best_t is None or (ab, -abs(t - 0.5)) > best_t[1:]):
            best_t = (float(t), ab, -abs(t - 0.5))
    t, ab, _ = best_t
    print(f"\nconfidence weights (dense, lexical, coverage, faq question sim, bias): {np.round(w, 3).tolist()}")
    print(f"threshold {t:.3f}: abstains on {ab:.1%} of uncovered, {np.mean(pos < t):.1%} of covered-right")
    for r, c in zip(use, conf):
        wrong = (r["covered"] and c < t) or (not r["covered"] and c >= t)
        if wrong:
            print(
                f"  misjudged {r['set']}:{r['id']} covered={r['covered']} conf={c:.3f} features={np.round(r['features'], 3).tolist()}"
            )
    if args.write:
        print(
            json.dumps(
                {
                    "dense_weight": chosen.dense_weight,
                    "lexical_weight": chosen.lexical_weight,
                    "type_bonus": chosen.type_bonus,
                    "conf_weights": [round(float(v), 3) for v in w[:-1]],
                    "conf_bias": round(float(w[-1]), 3),
                    "abstain_below": round(math.floor(t * 1000) / 1000, 3),
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
