"""The same tiny app for WSGI (Gunicorn's sync worker: twin:wsgi) and ASGI (drover-worker: twin:asgi).

GET /status/CODE answers CODE; every answer has the header X-Out: out"value and the body "twin".
"""

from http import HTTPStatus

BODY = b"twin"


def _answer(path: str) -> tuple[int, list[tuple[str, str]]]:
    code = int(path.rsplit("/", 1)[-1]) if path.startswith("/status/") else 200
    return code, [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY))), ("X-Out", 'out"value')]


def wsgi(environ, start_response):
    code, headers = _answer(environ["PATH_INFO"])
    start_response(f"{code} {HTTPStatus(code).phrase}", headers)
    return [BODY]


async def asgi(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            kind = message["type"].rsplit(".", 1)[-1]
            await send({"type": f"lifespan.{kind}.complete"})
            if kind == "shutdown":
                return
    code, headers = _answer(scope["path"])
    raw = [(name.lower().encode(), value.encode()) for name, value in headers]
    await send({"type": "http.response.start", "status": code, "headers": raw})
    await send({"type": "http.response.body", "body": BODY})
