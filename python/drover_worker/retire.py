"""The Connection: close on each connection's last answer.

Once a worker retires, the response that starts on a connection carries ``connection: close``
when no other request is waiting behind it on that connection; Uvicorn's httptools and h11
protocols both close the connection after a response with ``connection: close``.
Requests already received behind it (HTTP/1.1 pipelining: parsed and queued by httptools,
buffered by h11, or still unread in the kernel's receive buffer while Uvicorn pauses reading)
are answered first, in order, each with keep-alive, and the last one closes.  Clients thus learn
to reconnect (to another worker) instead of hitting a closed socket, and no request they already
sent is dropped.

Nothing of this runs per request while the worker serves: retiring_protocol() wraps Uvicorn's
protocol class, and the server calls retire() on every open connection once it retires (from the
event loop, right after the signal).  From then on the connection's answers decide, as each one
starts, "is another request waiting on this connection?": requests already received (the one in
flight, httptools' queued ones) through their response cycle's default headers, whose ``+ app
headers`` at the response start adds the close; later requests through a small wrapper of the
connection's app.  The close is the server's header, like Date and Server: the access log's
``{connection}o`` does not show it (as in Gunicorn, whose Connection header is not the app's).

Uvicorn internals used: the protocols' .app, .transport, .cycle (.response_started,
.response_complete, .scope, .default_headers, added to the app's headers at the response start),
.shutdown(); httptools: .pipeline and .scope; h11: .conn (h11.Connection) .trailing_data and
.their_state.  Checked with Uvicorn 0.54.
"""

from __future__ import annotations

import fcntl
import struct
import termios
from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]

CLOSE = (b"connection", b"close")


def _closing(headers: Headers) -> Headers:
    """The headers with Connection: close in place of any Connection header."""
    return [(name, value) for name, value in headers if name.lower() != b"connection"] + [CLOSE]


class _ClosingDefaultHeaders(list):  # type: ignore[type-arg]
    """A response cycle's default headers once the worker retires: Uvicorn's send() computes
    ``default_headers + app headers`` when the response starts, which is when the close is decided."""

    __slots__ = ("more_requests",)

    def __init__(self, headers: Headers, more_requests: Callable[[], bool]) -> None:
        super().__init__(headers)
        self.more_requests = more_requests

    def __add__(self, other: Any) -> Headers:  # type: ignore[override]
        if self.more_requests():
            return list(self) + list(other)
        return list(self) + _closing(list(other))


class _RetiringApp:
    """A retired connection's app: each later response closes unless another request waits."""

    __slots__ = ("app", "more_requests")

    def __init__(self, app: App, more_requests: Callable[[], bool]) -> None:
        self.app = app
        self.more_requests = more_requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        more_requests = self.more_requests

        async def send_closing(message: Message) -> None:
            if message["type"] == "http.response.start" and not more_requests():
                message = {**message, "headers": _closing(list(message.get("headers", ())))}
            await send(message)

        await self.app(scope, receive, send_closing)


def unread_bytes(transport: Any) -> int:
    """Bytes waiting in the kernel's receive buffer of the transport's socket (FIONREAD); 0 if unknown."""
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None:
        return 0
    try:
        return struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0"))[0]
    except (OSError, ValueError):
        return 0


def retiring_protocol(base: type[Any]) -> type[Any]:
    """Uvicorn's HTTP protocol class `base` (httptools or h11, or a subclass) with retire() and the probe."""

    import h11  # a dependency of uvicorn

    class RetiringProtocol(base):  # type: ignore[misc, valid-type]
        _retired = False

        def retire(self) -> None:
            """The worker retires: answers that start from now on close the connection when nothing waits behind
            them.  Called from the event loop, once per connection (again: nothing more to do)."""
            if self._retired:
                return
            self._retired = True
            self.app = _RetiringApp(self.app, self.more_requests)  # requests not received yet
            cycles = [self.cycle, *(cycle for cycle, _app in getattr(self, "pipeline", ()))]
            for cycle in cycles:  # received: in flight, or queued behind it (httptools)
                if cycle is not None and not cycle.response_started:
                    cycle.default_headers = _ClosingDefaultHeaders(cycle.default_headers, self.more_requests)

        def more_requests(self) -> bool:
            """Another request (or the start of one) has arrived behind the one being answered."""
            return self._buffered_request() or unread_bytes(self.transport) > 0

        def _buffered_request(self) -> bool:
            pipeline = getattr(self, "pipeline", None)
            if pipeline is not None:  # httptools: parsed requests queue up; self.scope is the latest begun
                cycle = self.cycle
                return bool(pipeline) or (self.scope is not None and (cycle is None or self.scope is not cycle.scope))
            conn = self.conn  # h11: what follows the current request stays in the h11.Connection's buffer
            data, _closed = conn.trailing_data
            # Bytes after a complete request (DONE), or between requests (IDLE); not the current body.
            return bool(data) and conn.their_state in (h11.DONE, h11.IDLE)

        def shutdown(self) -> None:
            # Uvicorn's: close an idle connection, or close after the response in flight (h11: the
            # current request, dropping those buffered behind it).  With requests waiting, the last
            # one's answer closes instead.
            cycle = self.cycle
            if cycle is not None and not cycle.response_complete and self.more_requests():
                return
            super().shutdown()

    RetiringProtocol.__name__ = RetiringProtocol.__qualname__ = f"Retiring{base.__name__}"
    return RetiringProtocol
