"""Batch evaluation: answer a file of labelled questions and measure.

Input is JSON lines or CSV with ``question`` and optionally ``id``, ``type`` and
``answers`` (gold strings, any of which counts; in CSV separated by ``|``; an
empty list means the right behaviour is to decline). Gold strings are matched
after folding case, curly quotes, dashes and white space.

Ranked metrics look at the list [short answer, passage 1, passage 2, ...]: the
rank of the first item that holds a gold string. There is one relevant item per
question, so nDCG@10 is 1/log2(1 + rank) and MRR@10 is 1/rank (0 past rank 10).
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from statistics import median

from faqrag.errors import FaqragError
from faqrag.ingest.tabular import csv_rows, jsonl_rows
from faqrag.limits import MAX_QUESTION_FILE_BYTES, MAX_QUESTIONS, dumps, loads, mib
from faqrag.text import contains


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    type: str
    question: str
    answers: tuple[str, ...]

    @property
    def covered(self) -> bool:
        return bool(self.answers)


# -------------------------------------------------------------------- input


def load_questions(path: Path) -> list[EvalQuestion]:
    try:
        if path.is_dir():
            raise FaqragError(f"{path} is a folder; pass a .jsonl or .csv file of questions")
        size = path.stat().st_size
        if size > MAX_QUESTION_FILE_BYTES:
            raise FaqragError(f"{path}: {mib(size)} is over the {mib(MAX_QUESTION_FILE_BYTES)} limit; split it")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FaqragError(f"{path}: file not found; check the path") from None
    except OSError as err:
        raise FaqragError(f"{path}: cannot be read ({err.strerror}); check its permissions") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise FaqragError(f"{path}: not UTF-8 text (offset {err.start}); save it as UTF-8") from None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = csv_rows(text, path, ("question",))
    elif suffix in (".jsonl", ".json"):
        rows = jsonl_rows(text, path)
    else:
        raise FaqragError(f"{path}: use a .jsonl or .csv file")
    if len(rows) > MAX_QUESTIONS:
        raise FaqragError(f"{path}: {len(rows):,} questions, over the limit of {MAX_QUESTIONS:,}; split the file")
    out, seen = [], set()
    for line, row in rows:
        q = row.get("question")
        if not isinstance(q, str) or not q.strip():
            raise FaqragError(f"{path}, line {line}: 'question' is missing or empty")
        answers = row.get("answers", [])
        if isinstance(answers, str):
            answers = [a.strip() for a in answers.split("|") if a.strip()]
        if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
            raise FaqragError(f"{path}, line {line}: 'answers' must be a list of strings")
        for key in ("id", "type"):
            value = row.get(key)
            if isinstance(value, bool) or not isinstance(value, (str, int, type(None))):
                raise FaqragError(f"{path}, line {line}: '{key}' must be a string or a number")
        qid = str(row.get("id") or f"q{line}")
        if qid in seen:
            raise FaqragError(f"{path}, line {line}: id '{qid}' is used twice; ids must be unique")
        seen.add(qid)
        out.append(EvalQuestion(qid, str(row.get("type") or "untyped"), q.strip(), tuple(answers)))
    if not out:
        raise FaqragError(f"{path}: no questions found")
    return out


# ------------------------------------------------------------------ scoring


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

    def rate(rows, pred):
        return round(sum(1 for r in rows if pred(r)) / len(rows), 4) if rows else None

    def ranked(rows):
        ranks = [r["hit_rank"] for r in rows]
        return {
            "answer_accuracy": rate(rows, lambda r: r["hit_answer"]),
            "hit@1": rate(rows, lambda r: r["hit_rank"] == 1),
            "hit@3": rate(rows, lambda r: r["hit_rank"] is not None and r["hit_rank"] <= 3),
            "hit@5": rate(rows, lambda r: r["hit_rank"] is not None and r["hit_rank"] <= 5),
            "mrr@10": round(sum(1 / x for x in ranks if x and x <= 10) / len(rows), 4) if rows else None,
            "ndcg@10": round(sum(1 / math.log2(1 + x) for x in ranks if x and x <= 10) / len(rows), 4)
            if rows
            else None,
            "false_abstention": rate(rows, lambda r: r["abstained"]),
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
            "answer_accuracy": rate(cov, lambda r: r["hit_answer"]),
            "hit@5": rate(cov, lambda r: r["hit_rank"] is not None and r["hit_rank"] <= 5),
            "abstention": rate(unc, lambda r: r["abstained"]),
        }
    lat = [r["latency_ms"] for r in results]
    answers = [len(r["answer"]["text"]) for r in results if r["answer"]]
    return {
        "questions": len(results),
        "covered": len(covered),
        "uncovered": len(uncovered),
        **ranked(covered),
        "abstention": rate(uncovered, lambda r: r["abstained"]),
        "latency_ms_p50": round(_pct(lat, 50), 2),
        "latency_ms_p95": round(_pct(lat, 95), 2),
        "questions_per_second": round(len(results) / wall_seconds, 2) if wall_seconds else None,
        "median_answer_chars": median(answers) if answers else 0,
        "by_type": by_type,
    }


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


# ---------------------------------------------------------------- the command


def format_table(summary: dict) -> str:
    def f(x):
        return "   -  " if x is None else f"{x * 100:5.1f}%"

    rows = [
        ("covered questions", str(summary["covered"])),
        ("  answer accuracy", f(summary["answer_accuracy"])),
        ("  hit@1 / @3 / @5", f"{f(summary['hit@1'])} {f(summary['hit@3'])} {f(summary['hit@5'])}"),
        ("  MRR@10 / nDCG@10", f"{summary['mrr@10']} / {summary['ndcg@10']}"),
        ("  false abstention", f(summary["false_abstention"])),
        ("uncovered questions", str(summary["uncovered"])),
        ("  abstention", f(summary["abstention"])),
        ("latency p50 / p95", f"{summary['latency_ms_p50']} / {summary['latency_ms_p95']} ms"),
        ("questions per second", str(summary["questions_per_second"])),
        ("median answer length", f"{summary['median_answer_chars']} chars"),
    ]
    out = [f"{k:<24}{v}" for k, v in rows]
    out.append("")
    out.append(f"{'type':<12}{'n':>4}  {'answer':>7}  {'hit@5':>7}  {'abstain':>7}")
    for t, m in summary["by_type"].items():
        out.append(f"{t:<12}{m['n']:>4}  {f(m['answer_accuracy']):>7}  {f(m['hit@5']):>7}  {f(m['abstention']):>7}")
    return "\n".join(out)


def write_atomically(path: Path, text: str) -> None:
    """Write a whole file or nothing: a temporary sibling renamed into place."""
    if path.is_dir():
        raise FaqragError(f"cannot write {path}: it is a folder; name a file")
    if path.exists() and not path.is_file():
        # A device or a pipe (/dev/stdout, a FIFO): write into it; renaming over it would replace it.
        try:
            with path.open("w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as err:
            raise FaqragError(f"cannot write {path} ({err.strerror}); check the path") from None
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as err:
        raise FaqragError(f"cannot write {path} ({err.strerror}); check the folder exists and is writable") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise FaqragError(f"cannot write {path} ({err.strerror}); check the path is a writable file") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def run(args) -> int:
    from faqrag.engine import Engine, check_question
    from faqrag.evaluation.report import check_suffix, render
    from faqrag.settings import Settings

    # Everything that can be wrong with the arguments fails here, before the
    # model loads and the questions run.
    if args.report:
        check_suffix(args.report.suffix.lower())
    questions = load_questions(args.input)
    previous = _read_previous(args.compare) if args.compare else None
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
        responses = engine.ask_many([q.question for q in questions], k=args.k, on_batch=bar)
    finally:
        if bar:
            bar(0, done=True)  # end the bar's line even when interrupted
    wall = time.perf_counter() - t0
    results = [judge(q, r.to_dict()) for q, r in zip(questions, responses)]
    summary = summarize(results, wall)
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


def _read_previous(path: Path) -> dict:
    try:
        previous = loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise FaqragError(f"{path}: cannot read the previous report ({err}); pass a report.json") from None
    if not isinstance(previous, dict) or not isinstance(previous.get("outcomes"), dict):
        raise FaqragError(
            f"{path}: not a faqrag report.json (no 'outcomes'); pass one written by 'faqrag eval --report'"
        )
    return previous


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
