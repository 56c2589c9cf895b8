"""``faqrag`` command line: build, ask, info, eval, serve, log, tune. A thin shell over the engine.

Each command lives in a module of its own and imports its heavy modules inside
it, so ``faqrag --help`` is instant; every ``FaqragError`` becomes one line on
stderr with a non-zero exit.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import logging
import os
import sys
from pathlib import Path

from faqrag import __version__, env
from faqrag.cli.common import DEFAULT_CORPUS, DEFAULT_INDEX, count, err, passages, port
from faqrag.errors import FaqragError


class _Parser(argparse.ArgumentParser):
    """argparse, its errors in one line as every other error is (its usage block is in --help)."""

    def error(self, message: str):
        message = message if len(message) <= 200 else message[:199] + "\u2026"  # "--k 999...999" echoed whole
        self.exit(2, f"{self.prog}: error: {message}; see '{self.prog} --help'\n")


def parser() -> argparse.ArgumentParser:
    # One long declaration on purpose: every command's options in one place read as --help reads.
    p = _Parser(prog="faqrag", description="Answer questions from a help guide, with sources.")
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
    a.add_argument("--k", type=passages, default=5, help="passages to return (1-50, default 5)")
    a.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    a.add_argument("--model", help="model to embed the question with; must be the one the index was built with")
    a.add_argument("--settings", type=Path, help="JSON file overriding answering settings")
    a.add_argument(
        "--server",
        default=env.server_url(),
        metavar="URL",
        help="answer through a running 'faqrag serve' at URL (default: $FAQRAG_SERVER, else in this process)",
    )

    i = sub.add_parser("info", help="describe the index and whether it is stale")
    i.add_argument("--index", type=Path, default=DEFAULT_INDEX, help="index folder (default: index)")
    i.add_argument("--corpus", type=Path, help="corpus folder to compare with (default: the one it was built from)")
    i.add_argument("--json", action="store_true", help="print the manifest and staleness as JSON")

    g = sub.add_parser("log", help="list recently asked questions with their answers and feedback")
    g.add_argument(
        "--index",
        type=Path,
        default=DEFAULT_INDEX,
        help="index folder; its log is beside it (logs.db, or NAME.logs.db)",
    )
    g.add_argument("--limit", type=count, default=20, help="questions to list (default 20)")
    g.add_argument("--declined", action="store_true", help="only questions the guide declined")
    g.add_argument("--unhelpful", action="store_true", help="only answers marked unhelpful (with --declined: either)")
    g.add_argument("--weak", action="store_true", help="only answers given with weak support (with the others: any)")
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
    e.add_argument("--k", type=passages, default=5, help="passages per question (1-50, default 5)")
    e.add_argument("--output", type=Path, help="write one JSON line per question here")
    e.add_argument("--report", type=Path, help="write the report: .json (machine), .html or .md (people)")
    e.add_argument("--compare", type=Path, help="a previous report.json: list questions that got better or worse")
    e.add_argument("--model", help="model to embed questions with; must match the index")
    e.add_argument("--settings", type=Path, help="JSON file overriding answering settings")

    s = sub.add_parser("serve", help="serve the HTTP API (docs at /docs)")
    s.add_argument("--index", type=Path, default=DEFAULT_INDEX, help="index folder (default: index)")
    s.add_argument("--corpus", type=Path, help="corpus folder for staleness and rebuilds (default: the one built from)")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    s.add_argument("--port", type=port, default=8000, help="port (default: 8000)")
    s.add_argument("--model", help="model to embed questions with, if not the bundled one; must match the index")
    s.add_argument("--workers", type=int, default=1, help="worker processes, each with its own copy of the index")
    s.add_argument("--settings", type=Path, help="JSON file overriding answering settings")
    s.add_argument("--serve-settings", type=Path, help="JSON file overriding server limits (see faqrag.serve.settings)")
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
    # What the package logs (a question the log could not keep) the command says itself, in
    # one line; without a handler, logging's last resort would print it a second time.
    logger = logging.getLogger("faqrag")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
    for stream in (sys.stdout, sys.stderr):
        # A path from the command line may hold undecodable bytes (lone
        # surrogates); print them escaped rather than die on them.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        return _command(args.command)(args)
    except FaqragError as problem:
        err(str(problem))
        return 1
    except KeyboardInterrupt:
        err("interrupted; nothing was changed")
        return 130
    except BrokenPipeError:
        # The reader (say, `| head`) went away; that is not our error to report.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as problem:
        # The file system said no where no check foresaw it (a folder made
        # unreadable, a full disk): still one line, naming the path.
        where = f" ({problem.filename})" if problem.filename else ""
        err(f"{problem.strerror or problem}{where}; check the path, its permissions and the free space")
        return 1


def _command(name: str):
    """The function running command ``name``, its module imported only now."""
    if name in ("build", "info"):
        from faqrag.cli import index_cmds as module
    elif name == "ask":
        from faqrag.cli import ask_cmd as module
    elif name in ("eval", "tune"):
        from faqrag.cli import eval_cmds as module
    elif name == "log":
        from faqrag.cli import log_cmd as module
    else:
        from faqrag.cli import serve_cmd as module
    return getattr(module, f"cmd_{name}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
