"""A leaking app for memory recycling: every GET /leak keeps 1 MiB (touched, so it is resident and
private to the worker) for the life of the process; GET /pid says which worker answered."""

import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

LEAKED: list[bytearray] = []


async def leak(request: Request) -> PlainTextResponse:
    LEAKED.append(bytearray(b"x" * (1 << 20)))
    return PlainTextResponse(f"{os.getpid()} {len(LEAKED)}")


async def pid(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"{os.getpid()} {len(LEAKED)}")


app = Starlette(routes=[Route("/leak", leak), Route("/pid", pid), Route("/", pid)])
