"""The embeddable help widget: one script and its stylesheet, served by ``faqrag serve``
at ``/widget.js`` and ``/widget.css``, added to any page with one tag:

    <script src="https://help.example.org/widget.js" async></script>

The script finds the server from its own address, draws a launcher and a chat
panel in a shadow root (the host page's styles do not reach it, nor its the
page), and asks ``POST /v1/ask``; feedback goes to ``POST /v1/feedback``. A page
on another origin needs ``--cors-origin`` for it. Nothing comes from a CDN.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import FastAPI
from fastapi.responses import Response

ASSETS = {"/widget.js": "text/javascript; charset=utf-8", "/widget.css": "text/css; charset=utf-8"}
MAX_AGE_S = 300  # browsers keep it a few minutes: a new version reaches pages soon after a restart


@cache
def asset(name: str) -> bytes:
    return files("faqrag.serve").joinpath(name).read_bytes()


def add_routes(app: FastAPI) -> None:
    for path, media_type in ASSETS.items():
        app.add_api_route(path, _server(path.lstrip("/"), media_type), methods=["GET", "HEAD"], include_in_schema=False)


def _server(name: str, media_type: str):
    """A route for one fixed file: it takes no parameter, so no request names another."""

    def serve() -> Response:
        headers = {"Cache-Control": f"public, max-age={MAX_AGE_S}", "X-Content-Type-Options": "nosniff"}
        return Response(asset(name), media_type=media_type, headers=headers)

    return serve
