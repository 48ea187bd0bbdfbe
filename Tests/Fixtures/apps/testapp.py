"""The integration tests' app: the example app plus routes that let a test see which
worker answered and make a worker slow or stuck."""

import asyncio
import os
import sys
import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

VERSION = "v1"


async def homepage(request: Request) -> JSONResponse:
    return JSONResponse({"message": "Hello World!"})


async def pid(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"{os.getpid()} {os.environ.get('DROVER_WORKER_INDEX')} "
                             f"{os.environ.get('DROVER_GENERATION')} {VERSION}")


async def slow(request: Request) -> PlainTextResponse:
    # Tests wait for this line (droverd forwards worker stderr) to know the request is in flight.
    print(f"slow start {os.getpid()}", file=sys.stderr, flush=True)
    await asyncio.sleep(float(request.query_params.get("s", "1")))
    return PlainTextResponse(f"slow done {os.getpid()}")


def block_the_loop(seconds: float) -> None:
    time.sleep(seconds)


async def block(request: Request) -> PlainTextResponse:
    print(f"block start {os.getpid()}", file=sys.stderr, flush=True)  # tests wait for it, as for slow's
    block_the_loop(float(request.query_params.get("s", "30")))
    return PlainTextResponse("unblocked")


app = Starlette(routes=[
    Route("/", homepage),
    Route("/pid", pid),
    Route("/slow", slow),
    Route("/block", block),
])
