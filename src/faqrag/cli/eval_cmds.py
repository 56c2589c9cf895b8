"""``faqrag eval`` and ``faqrag tune``: labelled questions answered, measured, reported;
and the decline threshold refitted on the reviewed ones."""

from __future__ import annotations

import sys
import time

from faqrag.errors import FaqragError
from faqrag.limits import dumps


def cmd_eval(args) -> int:
    from faqrag.engine import Engine
    from faqrag.evaluation.metrics import compare, outcome, summarize
    from faqrag.evaluation.questions import load_questions
    from faqrag.evaluation.report import check_suffix, read_report, render
    from faqrag.evaluation.run import answer_all
    from faqrag.files import write_atomically
    from faqrag.limits import check_question
    from faqrag.settings import Settings

    # Everything that can be wrong with the arguments fails here, before the
    # model loads and the questions run.
    if args.report:
        check_suffix(args.report.suffix.lower())
    questions = load_questions(args.input)
    previous = read_report(args.compare) if args.compare else None
    settings = Settings.from_file(args.settings) if args.settings else Settings()
    for q in questions:
        try:
            check_question(q.question, settings)
        except FaqragError as err:
            raise FaqragError(f"{args.input}, question {q.id}: {err}") from None
    engine = Engine.open(args.index, model=args.model, settings=settings)
    engine.warm_up()
    bar = _progress(len(questions))
    t0 = time.perf_counter()
    try:
        results = answer_all(engine, questions, k=args.k, on_batch=bar)
    finally:
        if bar:
            bar(0, done=True)  # end the bar's line even when interrupted
    summary = summarize(results, time.perf_counter() - t0)
    report = {"run": run_info(args, engine), "summary": summary, "outcomes": {r["id"]: outcome(r) for r in results}}
    if previous is not None:
        report["compare"] = compare(results, previous)
    print(format_table(summary))
    if previous is not None:
        c = report["compare"]
        print(f"\nbetter than {args.compare}: {', '.join(c['better']) or 'none'}")
        print(f"worse than {args.compare}:  {', '.join(c['worse']) or 'none'}")
    # Render everything before writing anything, so a failure leaves no half set of files.
    files = []
    if args.output:
        files.append((args.output, "".join(dumps(r) + "\n" for r in results)))
    if args.report:
        files.append((args.report, render(args.report.suffix.lower(), report, results)))
    for path, text in files:
        write_atomically(path, text)
    if args.report:
        print(f"\nreport written to {args.report}")
    return 0


def format_table(summary: dict) -> str:
    def f(x):
        return "   -  " if x is None else f"{x * 100:5.1f}%"

    rows = [
        ("covered questions", str(summary["covered"])),
        ("  answer right", f(summary["answer_right"])),
        ("  hit@1 / @3 / @5", f"{f(summary['hit@1'])} {f(summary['hit@3'])} {f(summary['hit@5'])}"),
        ("  MRR@10 / nDCG@10", f"{summary['mrr@10']} / {summary['ndcg@10']}"),
        ("  covered declined", f(summary["covered_declined"])),
        ("uncovered questions", str(summary["uncovered"])),
        ("  uncovered declined", f(summary["uncovered_declined"])),
        ("latency p50 / p95", f"{summary['latency_ms_p50']} / {summary['latency_ms_p95']} ms"),
        ("questions per second", str(summary["questions_per_second"])),
        ("median answer length", f"{summary['median_answer_chars']} chars"),
    ]
    out = [f"{k:<24}{v}" for k, v in rows]
    bands = summary.get("reliability") or {}
    if bands:  # what each confidence label meant here: right / answered
        out.append(
            "answers by label        " + "  ".join(f"{k} {b['right']}/{b['answered']}" for k, b in bands.items())
        )
    out.append("")
    out.append(f"{'type':<12}{'n':>4}  {'answer':>7}  {'hit@5':>7}  {'unc.decl':>8}")
    for t, m in summary["by_type"].items():
        out.append(
            f"{t:<12}{m['n']:>4}  {f(m['answer_right']):>7}  {f(m['hit@5']):>7}  {f(m['uncovered_declined']):>8}"
        )
    return "\n".join(out)


def run_info(args, engine) -> dict:
    """What a report came from, so one found later can be traced and rerun."""
    from faqrag import __version__

    manifest = engine.stored.manifest
    return {
        "questions": str(args.input),
        "index": str(args.index),
        "index_built_at": manifest.get("built_at"),
        "model": manifest["model"]["id"],
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "faqrag_version": __version__,
    }


def _progress(total: int):
    """A one-line progress bar on a terminal; nothing when output is piped."""
    if not sys.stderr.isatty():
        return None
    state = {"done": 0}

    def tick(n: int, done: bool = False) -> None:
        state["done"] += n
        if done:
            print(file=sys.stderr)
            return
        frac = state["done"] / total
        print(f"\r[{'#' * int(30 * frac):<30}] {state['done']}/{total}", end="", file=sys.stderr, flush=True)

    return tick


def cmd_tune(args) -> int:
    from faqrag.engine import Engine
    from faqrag.evaluation.questions import load_questions
    from faqrag.learn.calibrate import FILE, fit, save
    from faqrag.settings import Settings

    questions = load_questions(args.questions)  # before the slow model load
    engine = Engine.open(args.index, settings=Settings())
    cal = fit(engine, questions)

    def pct(x) -> str:
        return "   -  " if x is None else f"{x * 100:5.1f}%"

    print(f"{cal.covered} covered and {cal.uncovered} uncovered reviewed questions")
    print(f"{'':<28} {'right':>6} {'unc.decl':>9} {'cov.decl':>9}")
    for name, f in (
        (f"shipped threshold {Settings().abstain_below:.3f}", cal.shipped),
        ("refitted (cross-validated)", cal.cross_validated),
    ):
        print(
            f"{name:<28} {pct(f['answer_right']):>6} {pct(f['uncovered_declined']):>9} {pct(f['covered_declined']):>9}"
        )
    if args.dry_run:
        print(f"threshold would be {cal.abstain_below:.4f}; nothing written (--dry-run)")
        return 0
    path = save(args.index, cal)
    print(f"threshold {cal.abstain_below:.4f} written to {path}; delete {FILE} to go back to the shipped one")
    return 0
