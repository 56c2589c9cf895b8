"""Errors as the API's clients read them: one JSON line ``{"error": ...}`` with a
status, saying what is wrong and what to do, never a traceback or a server path."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from faqrag.errors import FaqragError, IndexStateError, QuestionError
from faqrag.serve.schema import BODY_FIELDS

log = logging.getLogger("faqrag.serve")


def add_error_handlers(app: FastAPI) -> None:
    def error(status: int, message: str, headers: dict | None = None, *, echoed: bool = False) -> JSONResponse:
        # No server paths in what clients read. A message made of our words and what the
        # client sent (its address, its field names) is sent as it is: rewritten, it would
        # read differently for a guess at one of the server's folders.
        if not echoed:
            message = app.state.faqrag.public(message)
        return JSONResponse({"error": message}, status_code=status, headers=headers)

    @app.exception_handler(QuestionError)
    async def question_error(_request, err: QuestionError):
        return error(400, str(err))

    @app.exception_handler(IndexStateError)
    async def index_error(_request, err: IndexStateError):
        return error(503, str(err))

    @app.exception_handler(FaqragError)
    async def faqrag_error(_request, err: FaqragError):
        return error(500, str(err))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, err: HTTPException):
        headers = dict(err.headers or {})
        if err.status_code == 503:
            headers.setdefault("Retry-After", "1")
        message = _http_message(request, err)
        return error(err.status_code, message, headers, echoed=message != str(err.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, err: RequestValidationError):
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if request.method == "POST" and not (kind == "application/json" or kind.endswith("+json")):
            return error(415, "send the body as JSON with the header 'Content-Type: application/json'")
        return error(422, _validation_message(err.errors(), BODY_FIELDS.get(request.url.path, ())), echoed=True)

    @app.exception_handler(Exception)
    async def unexpected(_request, err: Exception):
        log.exception("unexpected error")  # the traceback goes to the log, never to the client
        return error(500, "internal error; the server log has the details")


def _http_message(request: Request, err: HTTPException) -> str:
    """Starlette's own errors ("Not Found") say what, not what to do instead."""
    detail = str(err.detail)
    if err.status_code == 404 and detail == "Not Found":
        return f"no such endpoint {request.url.path[:200]}; the API is under /v1 (/v1/ask, /v1/health; see /docs)"
    if err.status_code == 405 and detail == "Method Not Allowed":
        allowed = err.headers.get("Allow") if err.headers else None
        return f"{request.method} is not allowed on {request.url.path[:200]}" + (f"; use {allowed}" if allowed else "")
    if err.status_code == 400 and detail == "There was an error parsing the body":
        return 'the request body cannot be read as UTF-8 JSON; send a JSON object such as {"question": "..."}'
    return detail


def _validation_message(errors: list[dict], fields: tuple[str, ...] = ()) -> str:
    """One line saying what is wrong with the body and how to fix it: a field it does
    not take first (a typo there explains the "missing" error beside it)."""
    if not errors:
        return "the request body is invalid"
    unknown = [str(e["loc"][-1]) for e in errors if e.get("type") == "extra_forbidden" and e.get("loc")]
    if unknown:
        takes = f"; the body takes {', '.join(fields)}" if fields else ""
        names = ", ".join(repr(u[:40]) for u in unknown[:5]) + (
            f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        )
        return f"unknown field{'s' if len(unknown) > 1 else ''} {names}{takes} (see /docs)"
    first = errors[0]
    if first.get("type") == "json_invalid":
        return 'the request body is not valid JSON; send a JSON object such as {"question": "..."}'
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
    if where == "body":
        what = "has no body" if first.get("type") == "missing" else "body is not a JSON object"
        return f'the request {what}; send a JSON object such as {{"question": "..."}}'
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first.get('msg', 'is invalid')}{more}; the bodies are described at /docs"


def handler_for(handlers: dict, err: Exception):
    """The exception handler the app would pick for ``err`` (the nearest class it has one for)."""
    for cls in type(err).__mro__:
        if cls in handlers:
            return handlers[cls]
    return None
