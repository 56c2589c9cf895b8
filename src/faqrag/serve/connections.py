"""Connections that cannot hold the server: uvicorn closes idle keep-alive
connections, but not one that never sends a whole request head, so a flood of
idle sockets (or a client trickling its headers) would pin the server's
connection slots until it left. Here every connection must have a request under
way within the keep-alive timeout of opening or of its last response, or it is
closed. The request body has its own deadline (``middleware.BodyLimit``).

Module-level classes, since uvicorn pickles its config for worker processes."""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools is optional; h11 always comes with uvicorn
    HttpToolsProtocol = None


class _HeadDeadline:
    """Mixed into a uvicorn protocol: arms a timer at connect and after each response."""

    _head_timer: Any = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        self._head_timer = self.loop.call_later(self.timeout_keep_alive, self._overdue)

    def _overdue(self) -> None:
        cycle = self.cycle
        if cycle is None or cycle.response_complete:  # no request under way: idle or a trickled head
            self.transport.close()


class BoundedH11(_HeadDeadline, H11Protocol):
    pass


if HttpToolsProtocol is not None:

    class BoundedHttpTools(_HeadDeadline, HttpToolsProtocol):
        pass

    PROTOCOL: type = BoundedHttpTools  # uvicorn's faster parser, as its "auto" would pick
else:
    PROTOCOL = BoundedH11
