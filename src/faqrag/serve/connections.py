"""Connections that cannot hold the server: uvicorn closes idle keep-alive
connections, but not one that never sends a whole request head, so a flood of
idle sockets (or a client trickling its headers) would pin the server's
connection slots until it left. Here every connection must have a request under
way within the keep-alive timeout of opening or of its last response, or it is
closed. The request body has its own deadline (``middleware.BodyLimit``), and a
client that stops reading its answers is dropped once nothing was read for as long.

Module-level classes, since uvicorn pickles its config for worker processes."""

from __future__ import annotations

import socket
import struct
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools is optional; h11 always comes with uvicorn
    HttpToolsProtocol = None


SEND_BUFFER = 256 * 1024  # bytes the kernel holds for a client before its writes pause


class _HeadDeadline:
    """Mixed into a uvicorn protocol: arms a timer at connect and after each response;
    and one while the connection's writes are paused, because its client reads
    nothing (requests sent, their answers never read): that client, too, held a
    slot for as long as it liked, and eighty of them past the connection cap
    turned every other client away with 503."""

    _head_timer: Any = None
    _write_timer: Any = None
    _dropped = False
    _running: Any = None  # the request being answered (httptools reads one more ahead: that is self.cycle)

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # Answers are a few KB: a bounded send buffer holds dozens, where the kernel's
            # own grows to megabytes, so a client that sends requests and reads nothing
            # is paused (and dropped, below) after a few dozen answers, not thousands.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc) -> None:
        for timer in (self._head_timer, self._write_timer):
            if timer is not None:
                timer.cancel()
        super().connection_lost(exc)

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._write_timer is None:
            self._write_timer = self.loop.call_later(self.timeout_keep_alive, self._unread)

    def resume_writing(self) -> None:
        if self._dropped:
            # A dropped transport's buffer empties at once: writers must wait for the loss
            # of the connection (which marks the request disconnected), not write into it.
            return
        super().resume_writing()
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None

    def _unread(self) -> None:
        # Nothing was read for a whole keep-alive period: drop it, unsent bytes and all
        # (close() would wait for them to be read).
        self._drop()

    def _start_asgi_task(self, cycle, app) -> None:  # httptools' own step; h11 answers self.cycle
        self._running = cycle
        super()._start_asgi_task(cycle, app)

    def _drop(self) -> None:
        self._dropped = True
        for cycle in (self._running, self.cycle):  # their answers go nowhere now: stop writing them
            if cycle is not None and not cycle.response_complete:
                cycle.disconnected = True
        sock = self.transport.get_extra_info("socket")
        if sock is not None:  # a reset, not a close: the kernel would go on offering the unread answers
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.transport.abort()

    def _arm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        self._head_timer = self.loop.call_later(self.timeout_keep_alive, self._overdue)

    def _overdue(self) -> None:
        cycle = self.cycle
        if cycle is None or cycle.response_complete:  # no request under way: idle or a trickled head
            if self.transport.get_write_buffer_size():
                self._drop()  # answers still unread: close() would wait for them for good
            else:
                self.transport.close()


class BoundedH11(_HeadDeadline, H11Protocol):
    pass


if HttpToolsProtocol is not None:

    class BoundedHttpTools(_HeadDeadline, HttpToolsProtocol):
        pass

    PROTOCOL: type = BoundedHttpTools  # uvicorn's faster parser, as its "auto" would pick
else:
    PROTOCOL = BoundedH11
