"""``faqrag serve``: the HTTP API, in one or more uvicorn worker processes."""

from __future__ import annotations

import os

from faqrag.errors import FaqragError
from faqrag.limits import dumps


def cmd_serve(args) -> int:
    from faqrag import env
    from faqrag.index.manifest import read_manifest
    from faqrag.serve.launch import serve_config, uvicorn_options
    from faqrag.serve.settings import ServeSettings

    manifest = read_manifest(args.index)  # a missing or other-format index is an error now, not a server never ready
    if not 1 <= args.workers <= 64:
        raise FaqragError("--workers must be between 1 and 64")
    try:
        import uvicorn
    except ImportError:
        raise FaqragError("uvicorn is not installed; run 'pip install uvicorn fastapi'") from None
    plan = serve_config(args)  # settings files are checked before anything starts
    config = dumps(plan)
    import socket

    try:  # say so in one line now, rather than after the index and model have loaded
        with socket.create_server((args.host, args.port)):
            pass
    except OSError as err:
        reason = os.strerror(err.errno) if err.errno and err.errno > 0 else str(err).split(" (while")[0]
        raise FaqragError(
            f"cannot listen on {args.host}:{args.port} ({reason}); pass another --port or --host"
        ) from None
    from faqrag.models.choose import default_embedder

    export = getattr(
        default_embedder(args.model or manifest["model"]["id"], from_index=not args.model), "ensure_exported", None
    )
    if export:  # once here, not once in every worker
        export()
    env.set_serve_config(config)
    uvicorn.run(
        "faqrag.serve.launch:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
        # Idle and trickling connections are closed; past max_connections new requests get
        # 503: a client holding thousands of idle sockets cannot starve the others.
        **uvicorn_options(ServeSettings.from_dict(plan["serve"])),
    )
    return 0
