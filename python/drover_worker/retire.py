"""The retirement switch, and the Connection: close on each connection's last answer.

Once a worker retires, the response that starts on a connection carries ``connection: close``
when no other request is waiting behind it on that connection; Uvicorn's httptools and h11
protocols both close the connection after a response with an app-set ``connection: close``.
Requests already received behind it (HTTP/1.1 pipelining: parsed and queued by httptools,
buffered by h11, or still unread in the kernel's receive buffer while Uvicorn pauses reading)
are answered first, in order, each with keep-alive, and the last one closes.  Clients thus learn
to reconnect (to another worker) instead of hitting a closed socket, and no request they already
sent is dropped.

RetireMiddleware (in the app stack, inside the access log so that it sees the header) learns
"is another request waiting on this connection?" from retiring_protocol(), which wraps
Uvicorn's protocol class: each connection calls the app through a small wrapper that puts the
connection's probe in a context variable of the request's task.

Uvicorn internals used: the protocols' .app, .transport, .cycle (.response_complete, .scope),
.shutdown(); httptools: .pipeline and .scope; h11: .conn (h11.Connection) .trailing_data and
.their_state.  The same in Uvicorn 0.52 to 0.54.
"""

from __future__ import annotations

import contextvars
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

CLOSE = (b"connection", b"close")

# The current request's connection: "is another request waiting behind this one?"
_more_requests: contextvars.ContextVar[Callable[[], bool] | None] = contextvars.ContextVar(
    "drover_more_requests", default=None
)


class RetireSwitch:
    """A one-way flag.  begin() is a plain assignment, so it is safe in a signal handler."""

    def __init__(self) -> None:
        self.retiring = False

    def begin(self) -> None:
        self.retiring = True


class RetireMiddleware:
    def __init__(self, app: App, switch: RetireSwitch) -> None:
        self.app = app
        self.switch = switch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        switch = self.switch
        more_requests = _more_requests.get()  # None: a protocol without the probe; close at once

        async def send_closing_when_retiring(message: Message) -> None:
            if (
                switch.retiring
                and message["type"] == "http.response.start"
                and not (more_requests is not None and more_requests())
            ):
                headers = [(name, value) for name, value in message.get("headers", ()) if name.lower() != b"connection"]
                headers.append(CLOSE)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_closing_when_retiring)


class _ConnectionApp:
    """The app as one connection calls it: sets the connection's probe for the request's task."""

    __slots__ = ("app", "more_requests")

    def __init__(self, app: App, more_requests: Callable[[], bool]) -> None:
        self.app = app
        self.more_requests = more_requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        _more_requests.set(self.more_requests)  # the task runs in its own copy of the context
        await self.app(scope, receive, send)


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
    """Uvicorn's HTTP protocol class `base` (httptools or h11, or a subclass) with the probe."""

    import h11  # a dependency of uvicorn

    class RetiringProtocol(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.app = _ConnectionApp(self.app, self.more_requests)

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
