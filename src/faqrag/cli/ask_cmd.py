"""``faqrag ask``: one question, answered in this process or by a running server."""

from __future__ import annotations

import gc
import time
from dataclasses import replace
from pathlib import Path

from faqrag.cli.common import build_command, warn
from faqrag.errors import FaqragError
from faqrag.limits import dumps


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
    from faqrag.index.model import for_index

    embedder = for_index(args.index, args.model)
    from faqrag.engine import Engine
    from faqrag.learn import qlog  # noqa: F401  (imported now, while the model loads, for _log_question)

    engine = Engine.open(args.index, model=args.model, settings=settings, embedder=embedder)
    stale = engine.stale_files()
    if stale:
        rebuild = build_command(args.index, engine.stored.manifest["corpus"]["dir"])
        warn(f"the index is stale (changed: {', '.join(stale)}); rebuild it with '{rebuild}'")
    t0 = time.perf_counter()
    engine.warm_up_for(question)  # so timings_ms says what the question cost, not the model load
    load_ms = (time.perf_counter() - t0) * 1000
    engine.handoff_in_every_answer = False  # looked for below only when shown: a decline, or the JSON
    resp = engine.ask(question, k=args.k)
    if args.json or resp.abstained:
        resp = replace(resp, handoff=engine.handoff())
    resp.timings_ms["model_load"] = round(load_ms, 2)
    # The answer first, then the log: a log another process holds locked makes the
    # write wait (up to qlog.BUSY_MS), and the person asking must not wait with it.
    print(dumps(resp.to_dict()) if args.json else format_response(resp), flush=True)
    _log_question(args.index, question, resp, settings)
    return 0


def _log_question(index: Path, question: str, resp, settings) -> None:
    from faqrag.learn import qlog

    db = qlog.log_path(index, settings.log_questions)
    if db is not None and qlog.log_answer(db, question, resp, "cli", qlog.retention(settings)) is None:
        warn(f"the question was not logged to {db}; set {qlog.ENV}=off to stop logging")


def format_response(resp) -> str:
    # Say how the question was read first: it explains an answer about another word.
    lines = [f"(read as: {resp.read_as})"] if getattr(resp, "read_as", None) else []
    if resp.abstained:
        lines.append(getattr(resp, "reason", None) or "The guide does not seem to cover this question.")
        if resp.suggestions:
            lines.append("Nearby topics: " + "; ".join(resp.suggestions))
        if resp.handoff:
            lines += ["", format_handoff(resp.handoff)]
    else:
        if resp.answer.question_answered:  # an FAQ answer read without its question misleads
            lines.append(f'(answers the question: "{resp.answer.question_answered}")')
        label = f"{resp.label}, " if getattr(resp, "label", None) else ""
        lines += [resp.answer.text, "", f"Source: {resp.answer.source}  (confidence {label}{resp.confidence:.2f})"]
        if resp.answer.url:
            lines.append(f"Page: {resp.answer.url}")
        if resp.notice:
            lines.append(f"Note: {resp.notice}")
    if not resp.abstained:  # under a decline, weak passages read like an answer
        from faqrag.answer.framing import passages_to_list

        close, weaker = passages_to_list(resp)
        for title, group in (("Passages:", close), ("Weaker matches:", weaker)):
            if group:
                lines += ["", title]
            for p in group:
                snippet = " ".join(p.text.split())
                lines.append(f"- [{p.score:.2f}] {p.source}\n   {snippet[:200]}{'…' if len(snippet) > 200 else ''}")
    return "\n".join(lines)


def format_handoff(h) -> str:
    """The way to a person, as one block of plain text."""
    if h.kind == "section":
        where = f"\n   {h.url}" if h.url else ""
        return f"Need a person? From the guide ({h.label}):\n   " + "\n   ".join(h.text.splitlines()) + where
    return f"Need a person? {h.label}: {h.target}"
