"""What /docs shows: an example for every endpoint taken from the index being served
(its own FAQ questions or headings, answered by it), and the bearer scheme, so
``POST /v1/rebuild`` can be tried with "Authorize".

FastAPI's schema is made once; the examples are filled in again when a new
index is swapped in, so they are never about another corpus. Before the index
has loaded, and for content with neither FAQ questions nor headings, the
question is a made-up one (PLACEHOLDER).
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI

from faqrag.engine import Engine, example_questions
from faqrag.serve.state import ServerState, public_manifest

PLACEHOLDER = "How do I reset my password?"  # until the index loads: any question reads like this
BEARER = "bearer"  # the security scheme's name in the schema
EXAMPLE_REF = "Zm9yLWV4YW1wbGUtb25seQ"


def install(app: FastAPI, state: ServerState) -> None:
    """Make ``app.openapi`` give the schema with this server's examples."""
    generate = app.openapi
    made: dict[int | None, dict] = {}

    def openapi() -> dict[str, Any]:
        engine = state.engine
        key = id(engine) if engine is not None else None
        if key not in made:
            app.openapi_schema = None  # FastAPI's own cache: made again from the routes
            schema = copy.deepcopy(generate())
            fill(schema, engine, state)
            made.clear()
            made[key] = schema
        app.openapi_schema = made[key]
        return made[key]

    app.openapi = openapi


def fill(schema: dict, engine: Engine | None, state: ServerState) -> None:
    questions = (example_questions(engine.stored.chunks, 2) if engine else []) or [PLACEHOLDER]
    answer = _answer(engine, questions[0])
    paths = schema.get("paths", {})
    _request(paths, "/v1/ask", {"question": questions[0], "k": 3})
    _response(paths, "/v1/ask", answer)
    _request(paths, "/v1/ask/batch", {"questions": questions[:2], "k": 2})
    _response(paths, "/v1/ask/batch", {"answers": [answer]})
    _request(paths, "/v1/feedback", {"ref": answer.get("ref") or EXAMPLE_REF, "helpful": False})
    _response(paths, "/v1/feedback", {"recorded": True, "handoff": answer.get("handoff")}, status="202")
    manifest = public_manifest(engine.stored.manifest) if engine else {}
    built = manifest.get("built_at")
    _response(paths, "/v1/health", {"live": True, "ready": engine is not None, "built_at": built})
    _response(
        paths,
        "/v1/info",
        {"manifest": manifest, "stale": False, "stale_files": [], "swaps": state.swaps, "last_refusal": None},
    )
    counts = manifest.get("counts", {})
    _response(
        paths,
        "/v1/rebuild",
        {
            "documents": counts.get("documents", 1),
            "chunks": counts.get("chunks", 1),
            "views": counts.get("views", 1),
            "embedded": 0,
            "seconds": 1.5,
            "warnings": [],
            "built_at": built,
        },
    )
    schema.setdefault("components", {}).setdefault("securitySchemes", {})[BEARER] = {
        "type": "http",
        "scheme": "bearer",
        "description": "The server's FAQRAG_API_TOKEN; write endpoints are off without one.",
    }
    rebuild = paths.get("/v1/rebuild", {}).get("post")
    if rebuild is not None:
        rebuild["security"] = [{BEARER: []}]


def _answer(engine: Engine | None, question: str) -> dict:
    if engine is None:
        return {"question": question, "abstained": True, "confidence": 0.0, "answer": None, "passages": [], "faq": []}
    try:
        out = engine.ask(question, k=2).to_dict()
    except Exception:  # an example must never break /docs
        return {"question": question}
    out["ref"] = EXAMPLE_REF
    return out


def _request(paths: dict, path: str, value: dict) -> None:
    body = paths.get(path, {}).get("post", {}).get("requestBody", {})
    for media in body.get("content", {}).values():
        media["example"] = value


def _response(paths: dict, path: str, value: dict, status: str = "200") -> None:
    for op in paths.get(path, {}).values():
        for media in op.get("responses", {}).get(status, {}).get("content", {}).values():
            media["example"] = value
