"""The two raw ASGI layers in front of the app: the body limit (size and time) and
the hot path of ``POST /v1/ask``, which answers through the same handler as the
framework's route and hands anything else on to it."""

from __future__ import annotations

import asyncio

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from faqrag.serve.errors import handler_for
from faqrag.serve.schema import JSONBytes


class FastAsk:
    """The hot path: ``POST {path}`` with a JSON body, answered without the framework's
    routing, body parsing and response layers, which cost more per question than
    answering it. ``ask(body)`` gives the answer's JSON, or None for anything but a
    good question to a ready server, which goes on to the app with its body
    replayed, so every error is the app's own; an error while answering is turned
    into a response by the app's exception handlers, as the app would. Sits inside
    the body limit and CORS."""

    def __init__(self, app, path: str, ask, limit: int):
        self.app = app
        self.path = path
        self.ask = ask
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if not (scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == self.path):
            return await self.app(scope, receive, send)
        kind = dict(scope["headers"]).get(b"content-type", b"").split(b";")[0].strip().lower()
        if kind != b"application/json":
            return await self.app(scope, receive, send)
        read: list[dict] = []
        try:
            body, more = b"", True
            while more and len(body) <= self.limit:
                msg = await receive()
                read.append(msg)
                if msg["type"] != "http.request":
                    break
                body += msg.get("body", b"")
                more = msg.get("more_body", False)
            answer = None if more or len(body) > self.limit else await self.ask(body)
        except Exception as err:
            handler = handler_for(scope["app"].exception_handlers, err)
            if handler is None:
                raise
            response = await handler(Request(scope), err)
            return await response(scope, receive, send)
        if answer is None:

            async def replay():
                return read.pop(0) if read else await receive()

            return await self.app(scope, replay, send)
        await JSONBytes(answer)(scope, receive, send)


class BodyLimit:
    """Refuses request bodies over ``limit`` bytes with 413, by the declared
    length at once, or while reading a body sent without one (chunked); and
    bodies still arriving ``seconds`` after the request began with 408, so a
    client trickling a byte at a time cannot hold a connection."""

    def __init__(self, app, limit: int, seconds: float):
        self.app = app
        self.limit = limit
        self.seconds = seconds

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        message = f"the request body is over {self.limit:,} bytes; send less (a question is at most a few KB)"
        declared = dict(scope.get("headers") or []).get(b"content-length")
        try:
            too_big = declared is not None and int(declared) > self.limit
        except ValueError:
            too_big = False
        if too_big:
            response = JSONResponse({"error": message}, status_code=413, headers={"Connection": "close"})
            return await response(scope, receive, send)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.seconds
        received, complete = 0, False

        async def limited():
            nonlocal received, complete
            if complete:  # after the body, receive() waits for a disconnect: no deadline on that
                return await receive()
            try:
                msg = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except asyncio.TimeoutError:
                raise HTTPException(
                    408, f"the request body did not arrive within {self.seconds:g} s; send it at once"
                ) from None
            if msg["type"] == "http.request":
                received += len(msg.get("body", b""))
                complete = not msg.get("more_body", False)
                if received > self.limit:
                    raise HTTPException(413, message)  # FastAPI passes it on to the JSON error handler
            return msg

        await self.app(scope, limited, send)
