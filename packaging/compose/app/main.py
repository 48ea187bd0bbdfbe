"""The Compose example's app: the seed's Starlette hello, and which worker answered."""

import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def homepage(request: Request) -> JSONResponse:
    return JSONResponse({"message": "Hello World!"})


async def worker(request: Request) -> JSONResponse:
    """droverd tells each worker its pool, slot and generation (they change with scale and reload)."""
    return JSONResponse(
        {
            "pid": os.getpid(),
            "pool": os.environ.get("DROVER_POOL"),
            "slot": os.environ.get("DROVER_WORKER_INDEX"),
            "generation": os.environ.get("DROVER_GENERATION"),
        }
    )


app = Starlette(routes=[Route("/", homepage), Route("/worker", worker)])
