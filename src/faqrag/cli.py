"""``faqrag`` command line: build, ask, info, eval, serve. A thin shell over the engine.

Heavy modules are imported inside each command so ``faqrag --help`` is instant,
and every ``FaqragError`` becomes one line on stderr with a non-zero exit.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import os
import sys
import time
from pathlib import Path

from faqrag import __version__
from faqrag.errors import FaqragError
from faqrag.limits import CONTROL, dumps

DEFAULT_CORPUS = Path("corpus")
DEFAULT_INDEX = Path("index")


def _err(msg: str) -> None:
    print(f"faqrag: error: {msg}", file=sys.stderr)


def _warn(msg: str) -> None:
    print(f"faqrag: warning: {msg}", file=sys.stderr)


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 1 <= n <= 50:
        raise argparse.ArgumentTypeError("must be between 1 and 50")
    return n


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number (1-65535)")
    return int(text)


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 1 <= n <= 100_000:
        raise argparse.ArgumentTypeError("must be between 1 and 100000")
    return n


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="faqrag", description="Answer questions from a help guide, with sources.")
    p.add_argument("--version", action="version", version=f"faqrag {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    b = sub.add_parser("build", help="parse, chunk and embed the corpus into an index (the rebuild command)")
    b.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus folder (default: corpus)")
    b.add_argument("--index", type=Path, default=DEFAULT_INDEX, help="index folder (default: index)")
    b.add_argument("--model", help="sentence-transformers model name or path (default: all-MiniLM-L6-v2, bundled)")
    b.add_argument("--if-stale", action="store_true", help="do nothing when the index is up to date")
    b.add_argument(
        "--yes", action="store_true", help="go ahead even when embedding is estimated to take over 15 minutes"
    )

    a = sub.add_parser("ask", help="answer one question")
    a.add_argument("question", nargs="+", help="the question (quote it, or not)")
    a.add_argument("--index", type=Path, default=DEFAULT_INDEX, help="index folder (default: index)")
    a.add_argument("--k", type=_positive, default=5, help="passages to return (1-50, default 5)")
    a.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    a.add_argument("--model", help="model to embed the question with; must be the one the index was built with")
    a.add_argument("--settings", type=Path, help="JSON file overriding answering settings")
    a.add_argument(
        "--server",
        default=os.environ.get("FAQRAG_SERVER") or None,
        metavar="URL",
        help="answer through a running 'faqrag serve' at URL (default: $FAQRAG_SERVER, else in this process)",
    )

    i = sub.add_parser("info", help="describe the index and whether it is stale")
    i.add_argument("--index", type=Path, default=DEFAULT_INDEX, help="index folder (default: index)")
    i.add_argument("--corpus", type=Path, help="corpus folder to compare with (default: the one it was built from)")
    i.add_argument("--json", action="store_true", help="print the manifest and staleness as JSON")

    g = sub.add_parser("log", help="list recently asked questions with their answers and feedback")
    g.add_argument("--index", type=Path, default=DEFAULT_INDEX, help="index folder; the log is logs.db beside it")
    g.add_argument("--limit", type=_count, default=20, help="questions to list (default 20)")
    g.add_argument("--declined", action="store_true", help="only questions the guide declined")
    g.add_argument("--unhelpful", action="store_true", help="only answers marked unhelpful (with --declined: either)")
    g.add_argument("--json", action="store_true", help="one JSON object per line")

    t = sub.add_parser("tune", help="refit the decline threshold on this corpus's reviewed questions")
    t.add_argument("--index", type=Path, default=DEFAULT_INDEX, help="index folder (default: index)")
    t.add_argument(
        "--questions", type=Path, default=Path("eval/reviewed.jsonl"), help="reviewed questions (eval/reviewed.jsonl)"
    )
    t.add_argument("--dry-run", action="store_true", help="report the figures, write nothing")

    e = sub.add_parser("eval", help="answer a file of questions and report how well")
    e.add_argument("input", type=Path, help="questions: .jsonl or .csv with question[, id, type, answers]")
    e.add_argument("--index", type=Path, default=Path("index"), help="index folder (default: index)")
    e.add_argument("--k", type=_positive, default=5, help="passages per question (1-50, default 5)")
    e.add_argument("--output", type=Path, help="write one JSON line per question here")
    e.add_argument("--report", type=Path, help="write the report: .json (machine), .html or .md (people)")
    e.add_argument("--compare", type=Path, help="a previous report.json: list questions that got better or worse")
    e.add_argument("--model", help="model to embed questions with; must match the index")
    e.add_argument("--settings", type=Path, help="JSON file overriding answering settings")

    s = sub.add_parser("serve", help="serve the HTTP API (docs at /docs)")
    s.add_argument("--index", type=Path, default=DEFAULT_INDEX, help="index folder (default: index)")
    s.add_argument("--corpus", type=Path, help="corpus folder for staleness and rebuilds (default: the one built from)")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    s.add_argument("--port", type=_port, default=8000, help="port (default: 8000)")
    s.add_argument("--model", help="model to embed questions with, if not the bundled one; must match the index")
    s.add_argument("--workers", type=int, default=1, help="worker processes, each with its own copy of the index")
    s.add_argument("--settings", type=Path, help="JSON file overriding answering settings")
    s.add_argument("--serve-settings", type=Path, help="JSON file overriding server limits (see faqrag.serve.app)")
    s.add_argument(
        "--cors-origin", action="append", help="an origin browsers may call from (repeatable; none by default)"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # The last garbage collection at exit walks every object the process loaded (the
    # index, the engine) to free memory the system takes back anyway; frozen, they are
    # skipped. Once per process, however often main runs in it.
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)
    for stream in (sys.stdout, sys.stderr):
        # A path from the command line may hold undecodable bytes (lone
        # surrogates); print them escaped rather than die on them.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        return {
            "build": cmd_build,
            "ask": cmd_ask,
            "info": cmd_info,
            "eval": cmd_eval,
            "serve": cmd_serve,
            "log": cmd_log,
            "tune": cmd_tune,
        }[args.command](args)
    except FaqragError as err:
        _err(str(err))
        return 1
    except KeyboardInterrupt:
        _err("interrupted; nothing was changed")
        return 130
    except BrokenPipeError:
        # The reader (say, `| head`) went away; that is not our error to report.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as err:
        # The file system said no where no check foresaw it (a folder made
        # unreadable, a full disk): still one line, naming the path.
        where = f" ({err.filename})" if err.filename else ""
        _err(f"{err.strerror or err}{where}; check the path, its permissions and the free space")
        return 1


def cmd_build(args) -> int:
    from faqrag.index.store import build_index, needs_build
    from faqrag.limits import EMBED_SECONDS_LIMIT
    from faqrag.models.embedding import SentenceTransformerEmbedder

    if args.if_stale:
        reason = needs_build(args.index, args.corpus, args.model)
        if reason is None:
            print(f"index at {args.index} is up to date")
            return 0
        print(f"rebuilding {args.index}: {reason}", file=sys.stderr)
    embedder = SentenceTransformerEmbedder(args.model)
    summary = build_index(
        args.corpus,
        args.index,
        embedder,
        log=lambda m: print(m, file=sys.stderr),
        warn=_warn,
        progress=sys.stderr.isatty(),
        embed_seconds_limit=None if args.yes else EMBED_SECONDS_LIMIT,
    )
    print(summary.line())
    return 0


def cmd_ask(args) -> int:
    # One question: the few reference cycles it leaves are not worth the cyclic
    # collector's passes over everything being loaded (a tenth of the cold start).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _ask(args)
    finally:
        if collecting:
            gc.enable()


def _ask(args) -> int:
    from faqrag.limits import check_question
    from faqrag.settings import Settings

    settings = Settings.from_file(args.settings) if args.settings else Settings()
    question = check_question(" ".join(args.question), settings)  # before the slow model load
    if args.server:
        from faqrag.serve.client import ask_server

        if args.model or args.settings:  # the server answers with its own; do not pretend otherwise
            raise FaqragError("--model and --settings do not apply with --server (the server uses its own); drop them")

        resp = ask_server(args.server, question, k=args.k)
        print(dumps(resp.to_dict()) if args.json else format_response(resp))
        return 0
    # The model starts loading now, in a thread, while the engine's modules import
    # and the index loads: a one-question process waits for the slower of the two.
    from faqrag.models.embedding import for_index

    embedder = for_index(args.index, args.model)
    from faqrag.engine import Engine
    from faqrag.learn import qlog  # noqa: F401  (imported now, while the model loads, for _log_question)

    engine = Engine.open(args.index, model=args.model, settings=settings, embedder=embedder)
    stale = engine.stale_files()
    if stale:
        _warn(f"the index is stale (changed: {', '.join(stale)}); rebuild it with 'faqrag build'")
    t0 = time.perf_counter()
    engine.warm_up_for(question)  # so timings_ms says what the question cost, not the model load
    load_ms = (time.perf_counter() - t0) * 1000
    resp = engine.ask(question, k=args.k)
    resp.timings_ms["model_load"] = round(load_ms, 2)
    _log_question(args.index, question, resp, settings)
    if args.json:
        print(dumps(resp.to_dict()))
        return 0
    print(format_response(resp))
    return 0


def _log_question(index: Path, question: str, resp, settings) -> None:
    from faqrag.learn import qlog

    db = qlog.log_path(index, settings.log_questions)
    if db is not None and qlog.log_answer(db, question, resp, "cli", qlog.retention(settings)) is None:
        _warn(f"the question was not logged to {db}; set {qlog.ENV}=off to stop logging")


def cmd_log(args) -> int:
    from faqrag.learn import qlog

    db = qlog.log_path(args.index)
    if db is None:
        raise qlog.LogError(f"question logging is off ({qlog.ENV}={os.environ.get(qlog.ENV)}); unset it to log")
    rows = qlog.recent(db, args.limit, declined=args.declined, unhelpful=args.unhelpful)
    if args.json:
        for r in rows:
            print(dumps(r.to_dict()))
        return 0
    if not rows:
        print(f"no questions logged in {db} match")
        return 0
    for r in rows:
        said = "declined" if r.abstained else f"{r.confidence:.2f} {CONTROL.sub(' ', r.source or '')}"
        helped = {None: "", True: "  [helpful]", False: "  [unhelpful]"}[r.helpful]
        print(f"{r.id:>6}  {r.asked_at}  {r.channel:<4}  {CONTROL.sub(' ', ' '.join(r.question.split()))[:100]}")
        print(f"        -> {said}{helped}")
    return 0


def cmd_tune(args) -> int:
    from faqrag.engine import Engine
    from faqrag.evaluation.evaluate import load_questions
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


def format_response(resp) -> str:
    # Say how the question was read first: it explains an answer about another word.
    lines = [f"(read as: {resp.read_as})"] if getattr(resp, "read_as", None) else []
    if resp.abstained:
        lines.append("The guide does not seem to cover this question.")
        if resp.suggestions:
            lines.append("Nearby topics: " + "; ".join(resp.suggestions))
    else:
        lines += [resp.answer.text, "", f"Source: {resp.answer.source}  (confidence {resp.confidence:.2f})"]
        if resp.notice:
            lines.append(f"Note: {resp.notice}")
    if resp.passages:
        lines += ["", "Passages:"]
        for n, p in enumerate(resp.passages, 1):
            snippet = " ".join(p.text.split())
            lines.append(f"{n}. [{p.score:.2f}] {p.source}\n   {snippet[:200]}{'…' if len(snippet) > 200 else ''}")
    return "\n".join(lines)


def cmd_info(args) -> int:
    from faqrag.index.store import load_index, read_manifest, stale_files

    manifest = read_manifest(args.index)
    try:
        load_index(args.index)  # the manifest alone can look fine over a truncated or missing vectors.faiss
        problem = None
    except FaqragError as err:
        problem = str(err)
    stale = stale_files(manifest, args.corpus)
    if args.json:
        print(dumps({"manifest": manifest, "stale_files": stale, "problem": problem}, indent=2))
        return 1 if problem else 0
    c = manifest["counts"]
    print(f"index:     {args.index}")
    print(f"built:     {manifest['built_at']} by faqrag {manifest['package_version']}")
    print(f"model:     {manifest['model']['id']} (dimension {manifest['model']['dimension']})")
    print(f"corpus:    {manifest['corpus']['dir']} ({c['documents']} documents)")
    print(f"chunks:    {c['chunks']} ({c['views']} vectors)")
    if problem:
        print(f"status:    CORRUPT: {problem}")
        return 1
    print(f"status:    {'STALE: ' + ', '.join(stale) + ' changed; run faqrag build' if stale else 'up to date'}")
    return 0


def cmd_serve(args) -> int:
    from faqrag.index.store import read_manifest
    from faqrag.serve.app import CONFIG_ENV, serve_config

    manifest = read_manifest(args.index)  # a missing or other-format index is an error now, not a server never ready
    if not 1 <= args.workers <= 64:
        raise FaqragError("--workers must be between 1 and 64")
    try:
        import uvicorn
    except ImportError:
        raise FaqragError("uvicorn is not installed; run 'pip install uvicorn fastapi'") from None
    config = dumps(serve_config(args))  # settings files are checked before anything starts
    import socket

    try:  # say so in one line now, rather than after the index and model have loaded
        with socket.create_server((args.host, args.port)):
            pass
    except OSError as err:
        reason = os.strerror(err.errno) if err.errno and err.errno > 0 else str(err).split(" (while")[0]
        raise FaqragError(
            f"cannot listen on {args.host}:{args.port} ({reason}); pass another --port or --host"
        ) from None
    from faqrag.models.embedding import default_embedder

    export = getattr(
        default_embedder(args.model or manifest["model"]["id"], from_index=not args.model), "ensure_exported", None
    )
    if export:  # once here, not once in every worker
        export()
    os.environ[CONFIG_ENV] = config
    uvicorn.run(
        "faqrag.serve.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
    )
    return 0


def cmd_eval(args) -> int:
    from faqrag.evaluation.evaluate import run

    return run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
