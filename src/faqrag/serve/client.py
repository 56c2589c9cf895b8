"""Asking a running ``faqrag serve`` over HTTP (``faqrag ask --server URL``).

Standard library only, so a client needs neither the model nor the index.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request

from faqrag.answer.records import Response
from faqrag.errors import FaqragError
from faqrag.limits import loads, shown


def ask_server(url: str, question: str, *, k: int = 5, timeout: float = 30.0) -> Response:
    """POST the question to ``url``/v1/ask; the server's error message, if any, as a FaqragError."""
    body = json.dumps({"question": question, "k": k}).encode()
    endpoint = url.rstrip("/") + "/v1/ask"
    if not endpoint.startswith(("http://", "https://")):
        raise FaqragError(f"server URL '{url}' must start with http:// or https://")
    try:
        req = urllib.request.Request(endpoint, data=body, headers={"Content-Type": "application/json"}, method="POST")
        urllib.parse.urlsplit(endpoint).port  # noqa: B018  # a bad host or port is a ValueError now, not in urlopen
    except ValueError as err:
        raise FaqragError(
            f"server URL {shown(url)} is not a URL ({err}); pass one such as http://127.0.0.1:8000"
        ) from None
    deadline = time.monotonic() + 2 * timeout  # the whole answer, however slowly it trickles in
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            data = loads(_body(res, deadline).decode("utf-8"))
    except urllib.error.HTTPError as err:
        try:
            message = loads(_body(err, deadline).decode("utf-8"))["error"]
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            message = f"the server at {url} answered HTTP {err.code}"
        if err.code == 404:  # the URL points past the server's root ("http://host:8000/v1")
            message = f"no faqrag API at {url}; pass the server's root, such as http://127.0.0.1:8000"
        raise FaqragError(str(message)) from None
    except _TooMuch as err:
        raise FaqragError(f"the server at {url} {err}; is it a faqrag server?") from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise FaqragError(
            f"cannot reach a faqrag server at {url} ({reason}); start one with 'faqrag serve' or drop --server"
        ) from None
    except (ValueError, UnicodeDecodeError):
        raise FaqragError(f"the server at {url} did not answer with JSON; is it a faqrag server?") from None
    try:
        return Response.from_dict(data)
    except (KeyError, TypeError, ValueError):
        raise FaqragError(f"the server at {url} answered with an unexpected shape; is it the same faqrag?") from None


MAX_REPLY_BYTES = 16 * 1024 * 1024  # an answer with 50 passages of the longest text settings allow fits


class _TooMuch(Exception):
    """A reply past its size or time: not what a faqrag server sends."""


def _body(res, deadline: float) -> bytes:
    """A reply's body, read no further than MAX_REPLY_BYTES nor past ``deadline``."""
    chunks, size = [], 0
    while chunk := res.read1(65_536):
        size += len(chunk)
        if size > MAX_REPLY_BYTES:
            raise _TooMuch(f"sent an answer over {MAX_REPLY_BYTES // 2**20} MiB")
        if time.monotonic() > deadline:
            raise _TooMuch("did not finish its answer in time")
        chunks.append(chunk)
    return b"".join(chunks)
