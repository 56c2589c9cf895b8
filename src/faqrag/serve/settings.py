"""The server's own bounds and knobs (answering's are ``faqrag.settings.Settings``).

Every field has a range, checked at start by the one settings validator, so a
value that would break the server quietly (a watch interval of 0 spinning a
core, a timeout of 0 answering every question 504, 100,000 model threads) is a
one-line error instead. README, "HTTP API", lists them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from faqrag.errors import FaqragError
from faqrag.limits import shown
from faqrag.settings import refuse_unknown
from faqrag.validate import bounded, check_fields

_ORIGIN = re.compile(r"https?://[A-Za-z0-9.\-\[\]:]+")
MAX_THREADS = 256  # model threads of one call; far above the cores of any one machine


@dataclass(frozen=True)
class ServeSettings:
    """Bounds and knobs of the server (not of answering: those are ``Settings``)."""

    # A question is at most 2,000 characters; a batch of them fits.
    max_body_bytes: int = bounded(65_536, 1024, 16 * 1024 * 1024)
    max_batch: int = bounded(32, 1, 1000)  # questions in one POST /v1/ask/batch
    # Waiting for a question's answer (embedded and composed); then 504.
    request_timeout_s: float = bounded(10.0, 0.1, 600)
    # A request's body must have arrived within this; then 408 (a client sending a byte every
    # few seconds would otherwise hold a connection as long as it likes).
    body_timeout_s: float = bounded(10.0, 0.1, 600)
    batch_wait_ms: float = bounded(2.0, 0, 1000)  # how long the embedding thread waits for company
    max_micro_batch: int = bounded(32, 1, 1024)  # questions embedded together at most
    watch_interval_s: float = bounded(1.0, 0.05, 3600)  # how often the manifest is checked for a new build
    cors_origins: tuple[str, ...] = ()  # none by default: browsers on other origins are refused
    model_threads: int = bounded(0, 0, MAX_THREADS)  # threads of one model call; 0: the worker's share of the cores
    # Model calls at once in each worker; 0: one (two under `faqrag serve` with 2+ cores to a worker).
    encoders: int = bounded(0, 0, 16)
    # Connections: one with no request under way (idle, or its head still arriving) is closed
    # this long after it opened or was last answered; at most this many open at once (then 503).
    keep_alive_s: float = bounded(5.0, 0.1, 600)
    max_connections: int = bounded(1000, 1, 100_000)

    def __post_init__(self) -> None:
        check_fields(self, "server setting")
        for origin in self.cors_origins:
            # An origin is "*" or scheme://host[:port]; anything else (a path, a space, a line
            # break) never matches a browser's Origin header, and would be a setting that does nothing.
            if origin != "*" and not _ORIGIN.fullmatch(origin):
                raise FaqragError(
                    f"server setting cors_origins: {shown(origin)} is not an origin; "
                    "write it as https://host or http://host:port, or *"
                )

    @classmethod
    def from_dict(cls, data: dict) -> ServeSettings:
        refuse_unknown(cls, data, "server setting")
        if isinstance(data.get("cors_origins"), list):
            data = {**data, "cors_origins": tuple(data["cors_origins"])}
        return cls(**data)


def check_token(token: str | None, name: str) -> str | None:
    """The API secret, if it can be sent at all: HTTP headers are Latin-1, so a token
    outside printable ASCII could never be presented and every write would fail."""
    if token is None or token == "":
        return None
    if not (token.isascii() and token.isprintable()) or token != token.strip():
        raise FaqragError(f"{name} must be printable ASCII without spaces at its ends; choose another secret")
    return token
