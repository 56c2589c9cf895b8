"""Composition misses by kind: covered questions whose first unit holds the gold
but whose short answer does not, on every labelled set.

Usage: .venv/bin/python tools/misses.py [--sets eval/sets.json] [--only NAME ...] [--show]

Each set is answered with the shipped settings and nothing declined (what is
measured is composing the answer, not declining). Each miss is put in one kind:

- another unit answered: the answer came from a unit other than the first
  shown (a directory line's fuller entry, a promoted FAQ);
- list or directory line: a list gave other items, a line other lines;
- gold split over parts or cut: no part holds the gold whole (a sentence
  longer than an answer);
- gold too far: no window of the unit that fits holds it;
- opening by default, gold later: the unit's own question or heading matched
  at least as well as its parts, so its opening answered;
- evidence points to another window: the window with the most evidence is
  not the one holding the gold.
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tune  # noqa: E402

from faqrag.answer.arrange import arrange  # noqa: E402
from faqrag.answer.confidence import GAP_HITS  # noqa: E402
from faqrag.answer.context import needs  # noqa: E402
from faqrag.answer.window import ELLIPSIS, OPENING_MARGIN, SEP_COST  # noqa: E402
from faqrag.engine import MIN_HITS, Engine  # noqa: E402
from faqrag.evaluation.metrics import judge  # noqa: E402
from faqrag.search.answer_type import expected_types  # noqa: E402
from faqrag.settings import Settings  # noqa: E402
from faqrag.text import contains  # noqa: E402


def fits_somewhere(c, answers, limit: int) -> bool:
    """Whether some window of ``c`` that fits in ``limit`` holds a gold string."""

    def size(parts) -> int:
        return sum(c.parts[i][1] - c.parts[i][0] + SEP_COST for i in parts)

    for start in range(len(c.parts)):
        chosen = set(needs(c, start))
        for j in range(max(chosen) + 1, len(c.parts)):
            if size(chosen | needs(c, j)) > limit:
                break
            chosen |= needs(c, j)
        text = " ".join(c.part_text(i) for i in sorted(chosen))
        if size(chosen) <= limit and any(contains(text, a) for a in answers):
            return True
    return False


def kind_of(engine: Engine, q, rw, qvec, resp: dict) -> str:
    r = engine.retriever
    terms = r.lexical.terms(rw.lexical_text, not_names=rw.resolved_words, places=rw.asked)
    types = expected_types(q.question)
    found = arrange(r.evidence(r.search(qvec, terms, MIN_HITS, types), qvec)[:GAP_HITS], engine.settings, types, terms)
    unit = found[0].fuller or found[0]
    c = unit.chunk
    if resp["answer"]["chunk_id"] != c.id:
        return "another unit answered"
    if c.kind in ("list", "entry"):
        return "list or directory line"
    if not any(contains(c.part_text(i), a) for i in range(len(c.parts)) for a in q.answers):
        return "gold split over parts or cut"
    head = len(c.question) + 1 if c.kind == "section" and c.question else 0
    if not fits_somewhere(c, q.answers, engine.settings.max_answer_chars - head - 2 * (len(ELLIPSIS) + 1)):
        return "gold too far"
    best_part = max((unit.part_dense.get(i, 0.0) for i in range(len(c.parts))), default=0.0)
    if c.question and unit.hit.head_sim >= best_part - OPENING_MARGIN:
        return "opening by default, gold later"
    return "evidence points to another window"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", type=Path, default=tune.ROOT / "eval/sets.json")
    ap.add_argument("--only", nargs="*", help="use only these sets")
    ap.add_argument("--show", action="store_true", help="print each miss")
    args = ap.parse_args()
    embedder = tune.SentenceTransformerEmbedder()
    table: dict[str, collections.Counter] = {}
    for name, stored, qs, rws, vecs in tune.load_sets(embedder, args.sets, args.only):
        engine = Engine(stored, embedder, Settings(abstain_below=0.0))
        table[name] = collections.Counter()
        for q, rw, v in zip(qs, rws, vecs):
            resp = engine.answer_vector(q.question, rw, v).to_dict()
            first = resp["passages"][0]["text"] if resp["passages"] else ""
            if not q.covered or judge(q, resp)["hit_answer"] or not any(contains(first, a) for a in q.answers):
                continue
            kind = kind_of(engine, q, rw, v, resp)
            table[name][kind] += 1
            if args.show:
                print(f"{name} {q.id} [{kind}] {q.question}")
    kinds = sorted({k for c in table.values() for k in c})
    print(f"{'set':20s}{'misses':>8s}  " + "; ".join(kinds))
    for name, c in table.items():
        print(f"{name:20s}{sum(c.values()):8d}  " + "; ".join(f"{c[k]}" for k in kinds))


if __name__ == "__main__":
    main()
