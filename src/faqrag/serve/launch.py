"""How ``faqrag serve`` starts uvicorn: the options become a JSON config in the
environment, and each worker process builds its app from it (``app_from_env``)."""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from faqrag import env
from faqrag.limits import loads
from faqrag.serve.app import create_app
from faqrag.serve.settings import ServeSettings, check_token
from faqrag.settings import Settings, read_json_object


def app_from_env() -> FastAPI:
    """The app as ``faqrag serve`` configured it, for each uvicorn worker process."""
    config = loads(env.serve_config())
    _configure_logging()
    settings = Settings.from_file(Path(config["settings"])) if config.get("settings") else None
    model = config.get("model")
    serve = encoding_plan(ServeSettings.from_dict(config.get("serve", {})), config.get("workers", 1))
    threads = serve.model_threads

    def embedder(model_id: str):
        from faqrag.models.choose import default_embedder

        return default_embedder(model or model_id, from_index=not model, threads=threads)

    return create_app(
        Path(config["index"]),
        corpus_dir=Path(config["corpus"]) if config.get("corpus") else None,
        settings=settings,
        serve=serve,
        embedder_factory=embedder,
    )


def encoding_plan(serve: ServeSettings, workers: int) -> ServeSettings:
    """``serve`` with its automatic ``encoders`` and ``model_threads`` worked out for one of
    ``workers`` processes, from the worker's share of the cores: two model calls at
    once where it has two cores or more, each allowed the whole share. One call at a
    time capped throughput at what its calling thread could do (on short batches the
    second thread did only a third of the work); calls of one thread each made a lone
    question a third slower to embed."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    share = max(1, cores // max(1, workers))
    return replace(serve, encoders=serve.encoders or min(2, share), model_threads=serve.model_threads or share)


def serve_config(args) -> dict[str, Any]:
    """What ``faqrag serve``'s options become for ``app_from_env``."""
    serve = ServeSettings.from_dict(
        read_json_object(Path(args.serve_settings), "server settings file", "--serve-settings")
        if args.serve_settings
        else {}
    )
    if args.settings:
        Settings.from_file(Path(args.settings))  # checked here, once, not in each worker as it starts
    check_token(env.api_token(), env.API_TOKEN)
    if args.cors_origin:
        serve = ServeSettings.from_dict({**asdict(serve), "cors_origins": tuple(args.cors_origin)})
    return {
        "index": str(Path(args.index).resolve()),
        "corpus": str(Path(args.corpus).resolve()) if args.corpus else None,
        "settings": str(Path(args.settings).resolve()) if args.settings else None,
        "model": args.model,
        "workers": args.workers,
        "serve": {**asdict(serve), "cors_origins": list(serve.cors_origins)},
    }


def uvicorn_options(serve: ServeSettings) -> dict[str, Any]:
    """The connection bounds, as uvicorn takes them (for ``faqrag serve`` and the tests' server)."""
    from faqrag.serve.connections import PROTOCOL

    return {
        "http": PROTOCOL,
        "timeout_keep_alive": serve.keep_alive_s,
        "limit_concurrency": serve.max_connections,
    }


def _configure_logging() -> None:
    logger = logging.getLogger("faqrag")
    if not any(not isinstance(h, logging.NullHandler) for h in logger.handlers):  # the package's own is silent
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("faqrag: %(levelname)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
