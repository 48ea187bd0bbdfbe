"""An ASGI app for readiness tests: /healthz says 200 only while a file named `healthy` exists in
the working directory; /slow answers after 3 s; every answer names the worker's generation."""

import asyncio, os

async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["path"] == "/slow":
        await asyncio.sleep(3)
    healthy = scope["path"] != "/healthz" or os.path.exists("healthy")
    body = ("gen " + os.environ["DROVER_GENERATION"]).encode()
    headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200 if healthy else 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})
