"""An app that starts fine and dies one second after it is ready: a crash loop."""

import asyncio
import contextlib
import os
import sys

from starlette.applications import Starlette


@contextlib.asynccontextmanager
async def lifespan(app):
    def die():
        print("CrashLoopError: dying one second after start", file=sys.stderr, flush=True)
        os._exit(1)

    asyncio.get_running_loop().call_later(1.0, die)
    yield


app = Starlette(lifespan=lifespan)
