"""A leaking app for memory recycling: every GET /leak keeps 1 MiB (touched, so it is resident and
private to the worker) for the life of the process; GET /pid says which worker answered."""

import os

LEAKED: list[bytearray] = []


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["path"] == "/leak":
        LEAKED.append(bytearray(b"x" * (1 << 20)))
    body = f"{os.getpid()} {len(LEAKED)}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
