"""How well the review page's grouping puts questions with the same answer together.

Usage: .venv/bin/python tools/review_grouping.py [--thresholds 0.7 0.75 0.8 0.85]

For each labelled set (COVID FAQ and the guide's guide_more), every covered
question's "unit" is the first chunk holding one of its gold strings; two
questions belong together when they share a unit. The questions are grouped as
review.group does at several cosine thresholds, and the script prints the group
count against the unit count, purity (share of questions in their group's
majority unit; also over groups of two or more only) and pair precision/recall.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from faqrag.evaluation.questions import load_questions  # noqa: E402
from faqrag.index.build import build_index  # noqa: E402
from faqrag.index.store import load_index  # noqa: E402
from faqrag.learn import qlog, review  # noqa: E402
from faqrag.models.torch_embedder import SentenceTransformerEmbedder  # noqa: E402
from faqrag.text import contains  # noqa: E402

SETS = (
    ("covid_faq", "eval/covid_faq", "eval/covid_faq_questions.jsonl"),
    ("guide_more", "corpus", "eval/guide_more.jsonl"),
)


def purity(groups, qs) -> float:
    n = sum(len(g.items) for g in groups)
    return sum(Counter(qs[i][1] for i in g.ids).most_common(1)[0][1] for g in groups) / n if n else 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--thresholds", type=float, nargs="+", default=[0.7, 0.75, 0.8, 0.85])
    args = ap.parse_args()
    emb = SentenceTransformerEmbedder()
    for name, corpus, path in SETS:
        with tempfile.TemporaryDirectory() as tmp:
            build_index(ROOT / corpus, Path(tmp) / "ix", emb)
            chunks = load_index(Path(tmp) / "ix").chunks
        qs = []
        for q in load_questions(ROOT / path):
            unit = next((c.id for c in chunks if any(contains(c.text, a) for a in q.answers)), None)
            if q.answers and unit:
                qs.append((q.question, unit))
        items = [qlog.Logged(i, "", "page", q, False, 0.0, None, None, None, None, None) for i, (q, _) in enumerate(qs)]
        same = {(a, b) for a, b in itertools.combinations(range(len(qs)), 2) if qs[a][1] == qs[b][1]}
        print(f"{name}: {len(qs)} covered questions, {len({u for _, u in qs})} units, {len(same)} same-unit pairs")
        for t in args.thresholds:
            groups = review.group(items, emb, t)
            pred = {tuple(sorted(p)) for g in groups for p in itertools.combinations(g.ids, 2)}
            tp = len(pred & same)

            multi = [g for g in groups if len(g.items) > 1]
            print(
                f"  {t:.2f}: {len(groups):>3} groups, purity {purity(groups, qs):.2f} "
                f"(groups of 2+: {purity(multi, qs):.2f}, {len(multi)} groups), "
                f"pairs precision {tp / max(len(pred), 1):.2f} recall {tp / max(len(same), 1):.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
