"""Simulate the feedback loop on a labelled set, honestly: does reviewing what
users asked make the guide answer *other* users better?

Usage: .venv/bin/python tools/feedback_loop.py [--only NAME ...] [--sets eval/sets.json]

For each set (default: guide_more on corpus/ and covid_faq on eval/covid_faq):

1. the corpus is copied to a temporary folder and indexed;
2. the questions are split in two by id (alternately): the first half is user
   traffic, the second half is held out and never reviewed;
3. the traffic is answered and goes through the review queue as on the review
   page: a question is queued when it was declined, answered with low
   confidence, or answered wrong (the user says "no") or when it should have been
   declined (the user says "no" too);
4. a maintainer reviews each queued question: a covered one is linked to the
   unit that holds its gold answer (the one ranked highest for it, if several
   do), an uncovered one is marked not covered;
5. the index is rebuilt (only the new views are embedded) and the held-out half
   is answered again ("after");
6. the decline threshold is refitted on the reviewed traffic questions alone
   (`faqrag tune`'s fit) and the held-out half answered once more ("tuned").

Printed per set: the held-out figures before and after (answer right over
covered questions, uncovered declined, covered declined), and how many reviews
it took. Nothing here knows which corpus it runs on.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from faqrag.engine import Engine  # noqa: E402
from faqrag.errors import FaqragError  # noqa: E402
from faqrag.evaluation.metrics import judge, outcome  # noqa: E402
from faqrag.evaluation.questions import load_questions  # noqa: E402
from faqrag.index.build import build_index  # noqa: E402
from faqrag.index.store import load_index  # noqa: E402
from faqrag.learn import calibrate, qlog, review  # noqa: E402
from faqrag.models.torch_embedder import SentenceTransformerEmbedder  # noqa: E402
from faqrag.settings import Settings  # noqa: E402
from faqrag.text import contains  # noqa: E402

DEFAULT_SETS = ("guide_more", "covid_faq")


def figures(engine: Engine, questions) -> dict:
    results = [judge(q, r.to_dict()) for q, r in zip(questions, engine.ask_many([q.question for q in questions]))]
    covered = [r for r in results if r["answers"]]
    uncovered = [r for r in results if not r["answers"]]

    def share(rows, key):
        return sum(1 for r in rows if key(r)) / len(rows) if rows else None

    return {
        "results": results,
        "covered": len(covered),
        "uncovered": len(uncovered),
        "answer_right": share(covered, lambda r: r["hit_answer"]),
        "uncovered_declined": share(uncovered, lambda r: r["abstained"]),
        "covered_declined": share(covered, lambda r: r["abstained"]),
    }


def queued(r: dict) -> bool:
    """Whether a user's question reaches the review page (see the module docstring)."""
    if r["abstained"] or r["confidence"] < qlog.LOW_CONFIDENCE:
        return True
    return not r["hit_answer"] if r["answers"] else True  # a wrong answer, or one that should not exist


def gold_unit(engine: Engine, r: dict):
    """The chunk holding the gold answer, preferring the one ranked highest for the question."""
    chunks = engine.stored.chunks
    holding = [c for c in chunks if any(contains(c.text, a) for a in r["answers"])]
    if not holding:
        return None
    ranked = ([r["answer"]["chunk_id"]] if r["answer"] else []) + [p["chunk_id"] for p in r["passages"]]
    by_id = {c.id: c for c in holding}
    return next((by_id[i] for i in ranked if i in by_id), holding[0])


def simulate(name: str, corpus: Path, questions_path: Path, embedder, tmp: Path) -> dict:
    work = tmp / name
    shutil.copytree(corpus, work / "corpus")
    index = work / "index"
    build_index(work / "corpus", index, embedder)
    questions = sorted(load_questions(questions_path), key=lambda q: q.id)
    traffic, held = questions[0::2], questions[1::2]
    engine = Engine(load_index(index), embedder)
    before = figures(engine, held)
    seen = figures(engine, traffic)
    queue = [r for r in seen["results"] if queued(r)]
    items = [
        qlog.Logged(i, "", "page", r["question"], False, 0.0, None, None, None, None, None) for i, r in enumerate(queue)
    ]
    groups = len(review.group(items, embedder))
    reviews = linked = unlinkable = not_covered = 0
    targets = set()
    reviewed = work / "reviewed.jsonl"
    for r in seen["results"]:
        if not queued(r):
            continue
        reviews += 1
        if not r["answers"]:
            review.not_covered(reviewed, [r["question"]])
            not_covered += 1
            continue
        chunk = gold_unit(engine, r)
        if chunk is None:  # the gold spans units: a maintainer would write a new entry; we count it
            unlinkable += 1
            continue
        title = engine.stored.documents[chunk.doc].title
        review.link(work / "corpus", reviewed, [r["question"]], chunk, engine.stored.chunks, title)
        linked += 1
        targets.add(chunk.id)
    t0 = time.perf_counter()
    summary = build_index(work / "corpus", index, embedder)
    rebuild_s = time.perf_counter() - t0
    stored = load_index(index)
    after = figures(Engine(stored, embedder), held)
    # Not held out: the traffic itself asked again (a repeat of a reviewed question).
    repeat = figures(Engine(stored, embedder), traffic)
    was = {r["id"]: outcome(r) for r in before["results"]}
    changed = {
        "better": [r["id"] for r in after["results"] if outcome(r) and not was[r["id"]]],
        "worse": [r["id"] for r in after["results"] if was[r["id"]] and not outcome(r)],
    }
    # Then `faqrag tune`: the threshold refitted on the reviewed traffic questions only.
    try:
        cal = calibrate.fit(Engine(stored, embedder), load_questions(reviewed))
        tuned = figures(Engine(stored, embedder, Settings(abstain_below=cal.abstain_below)), held)
        tuned["threshold"] = cal.abstain_below
    except FaqragError as err:
        tuned = {"note": str(err)}
    return {
        "set": name,
        "traffic": len(traffic),
        "held_out": len(held),
        "held_covered": before["covered"],
        "held_uncovered": before["uncovered"],
        "reviews": reviews,
        "groups": groups,
        "linked": linked,
        "link_targets": len(targets),
        "not_covered": not_covered,
        "unlinkable": unlinkable,
        "changed": changed,
        "traffic_before": {k: v for k, v in seen.items() if k != "results"},
        "traffic_after": {k: v for k, v in repeat.items() if k != "results"},
        "rebuild": f"{summary.embedded} views embedded in {rebuild_s:.1f} s",
        "before": {k: v for k, v in before.items() if k != "results"},
        "after": {k: v for k, v in after.items() if k != "results"},
        "tuned": {k: v for k, v in tuned.items() if k != "results"},
    }


def pct(x) -> str:
    return "  -  " if x is None else f"{x * 100:5.1f}%"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", type=Path, default=ROOT / "eval" / "sets.json")
    ap.add_argument("--only", nargs="+", default=list(DEFAULT_SETS))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    registry = {s["name"]: s for s in json.loads(args.sets.read_text(encoding="utf-8"))}
    embedder = SentenceTransformerEmbedder()
    out = []
    with tempfile.TemporaryDirectory(prefix="faqrag-loop-") as tmp:
        for name in args.only:
            s = registry[name]
            out.append(simulate(name, ROOT / s["corpus"], ROOT / s["questions"], embedder, Path(tmp)))
    if args.json:
        print(json.dumps(out, indent=1))
        return 0
    print(f"{'set':<12} {'':<7} {'right':>6} {'unc.decl':>9} {'cov.decl':>9}   held out (covered/uncovered)")
    for r in out:
        for when in ("before", "after", "tuned"):
            f = r[when]
            if "note" in f:
                print(f"{'':<12} tuned: not fitted ({f['note']})")
                continue
            print(
                f"{r['set'] if when == 'before' else '':<12} {when:<7} {pct(f['answer_right']):>6} "
                f"{pct(f['uncovered_declined']):>9} {pct(f['covered_declined']):>9}"
                + (f"   {r['held_covered']}/{r['held_uncovered']}" if when == "before" else "")
                + (f"   threshold {f['threshold']:.3f} (shipped {Settings().abstain_below})" if when == "tuned" else "")
            )
        print(
            f"{'':<12} reviews: {r['reviews']} of {r['traffic']} traffic questions in {r['groups']} groups ({r['linked']} linked to "
            f"{r['link_targets']} units, {r['not_covered']} not covered, {r['unlinkable']} gold in no one unit); "
            f"rebuild: {r['rebuild']}"
        )
        print(f"{'':<12} held out after links: better {r['changed']['better']}, worse {r['changed']['worse']}")
        tb, ta = r["traffic_before"], r["traffic_after"]
        print(
            f"{'':<12} the traffic asked again (not held out): right {pct(tb['answer_right'])} -> "
            f"{pct(ta['answer_right'])}, uncovered declined {pct(tb['uncovered_declined'])} -> "
            f"{pct(ta['uncovered_declined'])}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
