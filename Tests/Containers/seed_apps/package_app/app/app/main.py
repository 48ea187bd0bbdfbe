"""A seed test app: a raw ASGI 2 application (a class that gets the scope, then is awaited with
receive and send), answering every request with a plain-text line."""

import sys

version = f"{sys.version_info.major}.{sys.version_info.minor}"


class App:
    def __init__(self, scope):
        self.scope = scope

    async def __call__(self, receive, send):
        message = f"Test app. From Uvicorn with Gunicorn. Using Python {version}"
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": message.encode()})


app = App
