"""Starlette test app whose lifespan startup raises."""

import contextlib

from starlette.applications import Starlette


@contextlib.asynccontextmanager
async def lifespan(app: Starlette):
    raise RuntimeError("database is unreachable")
    yield


app = Starlette(lifespan=lifespan)
