"""Raw ASGI app reporting the process it runs in (uid, gid, groups, umask, sys.path); only modules the
launcher has already imported, so it also loads after a switch to a user who cannot read the stdlib."""

import json
import os
import sys


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            kind = message["type"].rsplit(".", 1)[-1]
            await send({"type": f"lifespan.{kind}.complete"})
            if kind == "shutdown":
                return
    report = {
        "uid": os.getuid(),
        "euid": os.geteuid(),
        "gid": os.getgid(),
        "egid": os.getegid(),
        "groups": sorted(os.getgroups()),
        "umask": _umask(),
        "path": sys.path[:4],
    }
    body = json.dumps(report).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
