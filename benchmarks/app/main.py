"""The benchmark app: the example app's route (examples/hello) plus the test fixture's
(Tests/Fixtures/apps/testapp.py) /pid, /slow and /block, and an optional slow import.

IMPORT_DELAY_S=1.5 makes importing this module take 1.5 s longer (a big app's imports)."""

import asyncio
import os
import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

time.sleep(float(os.environ.get("IMPORT_DELAY_S") or 0))


async def homepage(request: Request) -> JSONResponse:
    return JSONResponse({"message": "Hello World!"})


async def pid(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"{os.getpid()}")


async def slow(request: Request) -> PlainTextResponse:
    await asyncio.sleep(float(request.query_params.get("s", "1")))
    return PlainTextResponse(f"{os.getpid()} slow done")


async def block(request: Request) -> PlainTextResponse:
    time.sleep(float(request.query_params.get("s", "30")))  # blocks the event loop on purpose
    return PlainTextResponse(f"{os.getpid()} unblocked")


app = Starlette(routes=[
    Route("/", homepage),
    Route("/pid", pid),
    Route("/slow", slow),
    Route("/block", block),
])
