"""A tiny raw ASGI app for configuration tests: it answers with its NAME, the pool it runs
in and FROM_PRESTART (a variable a prestart script may export). Copied into test app
directories under different module names."""

import os

NAME = "named"


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = f"{NAME} {os.environ.get('DROVER_POOL')} {os.environ.get('FROM_PRESTART', '-')}".encode()
    await send({
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())],
    })
    await send({"type": "http.response.body", "body": body})
