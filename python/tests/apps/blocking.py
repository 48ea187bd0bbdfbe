"""Raw ASGI test app whose /block?s=SECONDS blocks the event loop with time.sleep."""

import time
from urllib.parse import parse_qs


def block_the_event_loop(seconds: float) -> None:
    time.sleep(seconds)  # deliberately synchronous: the whole worker stalls


async def app(scope, receive, send):
    if scope["type"] != "http":
        return  # no lifespan support: uvicorn's "auto" mode carries on without it
    if scope["path"] == "/block":
        seconds = float(parse_qs(scope["query_string"].decode()).get("s", ["1"])[0])
        block_the_event_loop(seconds)
    body = b"done"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"4")]})
    await send({"type": "http.response.body", "body": body})
