"""Starlette test app: /, /env (what the app sees of the environment), /slow?s=SECONDS, /boom (raises)."""

import asyncio
import contextlib
import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

VARIABLES = (
    "LISTEN_FDS",
    "LISTEN_PID",
    "LISTEN_FDNAMES",
    "NOTIFY_SOCKET",
    "DROVER_HEARTBEAT_FD",
    "WATCHDOG_USEC",
    "DROVER_POOL",
    "DROVER_WORKER_INDEX",
    "DROVER_GENERATION",
)


async def home(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"hello from {os.getpid()} (started={request.state.started})")


async def env(request: Request) -> JSONResponse:
    return JSONResponse({name: os.environ.get(name) for name in VARIABLES})


async def slow(request: Request) -> PlainTextResponse:
    seconds = float(request.query_params.get("s", "1"))
    await asyncio.sleep(seconds)
    return PlainTextResponse(f"slept {seconds}")


async def boom(request: Request) -> PlainTextResponse:
    raise RuntimeError("boom")


@contextlib.asynccontextmanager
async def lifespan(app: Starlette):
    yield {"started": True}


app = Starlette(
    routes=[Route("/", home), Route("/env", env), Route("/slow", slow), Route("/boom", boom)], lifespan=lifespan
)
