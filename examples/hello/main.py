"""The example app: the seed image's Starlette app, served by Drover.

Run it with `droverd -w 2 main:app` from this directory (see the README).
"""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def homepage(request: Request) -> JSONResponse:
    return JSONResponse({"message": "Hello World!"})


app = Starlette(routes=[Route("/", homepage)])
