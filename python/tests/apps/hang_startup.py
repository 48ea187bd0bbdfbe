"""An app whose lifespan startup never completes, so its worker never sends READY=1."""

import asyncio
import contextlib

from starlette.applications import Starlette


@contextlib.asynccontextmanager
async def lifespan(app):
    await asyncio.sleep(3600)
    yield


app = Starlette(lifespan=lifespan)
