"""The retirement switch and the ASGI middleware that answers with Connection: close.

Once a worker retires, every HTTP response that starts from then on (the next
request on a keep-alive connection, or one still in flight) carries
``connection: close``.  Uvicorn's httptools and h11 protocols both honour an
app-set ``connection: close`` by closing the connection after that response, so
clients learn to reconnect (to another worker) instead of hitting a closed socket.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

CLOSE = (b"connection", b"close")


class RetireSwitch:
    """A one-way flag.  begin() is a plain assignment, so it is safe in a signal handler."""

    def __init__(self) -> None:
        self.retiring = False

    def begin(self) -> None:
        self.retiring = True


class RetireMiddleware:
    def __init__(self, app: Callable[..., Awaitable[None]], switch: RetireSwitch) -> None:
        self.app = app
        self.switch = switch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        switch = self.switch

        async def send_closing_when_retiring(message: Message) -> None:
            if switch.retiring and message["type"] == "http.response.start":
                headers = [(name, value) for name, value in message.get("headers", ()) if name.lower() != b"connection"]
                headers.append(CLOSE)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_closing_when_retiring)
