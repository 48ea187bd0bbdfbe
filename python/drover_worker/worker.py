"""Wire the pieces together: arguments, inherited sockets, app, uvicorn, exit status.

Exit status: 0 after a retirement or quick stop, 2 for bad arguments or a bad
environment (no LISTEN_FDS, unusable heartbeat fd), 3 when the app cannot be
loaded or does not start (import error, factory error, lifespan startup failure).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import traceback
from collections.abc import Sequence
from types import FrameType

import uvicorn

from . import __version__
from .cli import parse_args
from .heartbeat import Heartbeat, HeartbeatError, watchdog_interval_from_environ
from .listen import ListenError, describe, listen_sockets
from .loader import load_app
from .notify import Notifier
from .retire import RetireMiddleware, RetireSwitch
from .server import DroverServer

EXIT_USAGE = 2
EXIT_STARTUP = 3


def fail(message: str, status: int) -> int:
    print(f"drover-worker: {message}", file=sys.stderr, flush=True)
    return status


def summary(exc: BaseException) -> str:
    """The last line of the exception as Python prints it, e.g. "ImportError: ..."."""
    return traceback.format_exception_only(type(exc), exc)[-1].strip()


def _ignore_sigusr1(sig: int, frame: FrameType | None) -> None:
    """Before serving starts, a log-reopen request is simply ignored (instead of killing us)."""


def run(argv: Sequence[str]) -> int:
    signal.signal(signal.SIGUSR1, _ignore_sigusr1)
    args = parse_args(argv)

    try:
        sockets, names = listen_sockets()
    except ListenError as exc:
        return fail(str(exc), EXIT_USAGE)
    notifier = Notifier.from_environ()
    try:
        heartbeat = Heartbeat.from_environ()
    except HeartbeatError as exc:
        return fail(str(exc), EXIT_USAGE)
    watchdog_interval = watchdog_interval_from_environ()  # read and removed in any case
    if heartbeat is not None:
        watchdog_interval = None  # the heartbeat replaces WATCHDOG=1 pings

    try:
        app = load_app(args.app, app_dir=os.path.abspath(args.app_dir), factory=args.factory)
    except (Exception, SystemExit) as exc:
        traceback.print_exc()
        return fail(f"cannot load app {args.app!r}: {summary(exc)}", EXIT_STARTUP)

    config = uvicorn.Config(
        app=app,
        loop=args.loop,
        http=args.http,
        lifespan="auto",
        log_level=args.log_level,
        access_log=args.access_log,
        timeout_keep_alive=args.keep_alive,
        timeout_graceful_shutdown=args.graceful_timeout,
        root_path=args.root_path,
        proxy_headers=args.proxy_headers,
        forwarded_allow_ips=args.forwarded_allow_ips,
        backlog=args.backlog,
        workers=1,  # ignore WEB_CONCURRENCY: droverd runs the pool
    )
    try:
        config.load()  # wraps the app (proxy headers, ASGI2 adapter, ...) without importing anything
    except (Exception, SystemExit) as exc:
        traceback.print_exc()
        return fail(f"cannot load app {args.app!r}: {summary(exc)}", EXIT_STARTUP)
    switch = RetireSwitch()
    config.loaded_app = RetireMiddleware(config.loaded_app, switch)

    server = DroverServer(
        config,
        switch=switch,
        notifier=notifier,
        heartbeat=heartbeat,
        watchdog_interval=watchdog_interval,
        idle_grace=args.idle_grace,
        addresses=[describe(sock) for sock in sockets],
    )
    logger = logging.getLogger("uvicorn.error")
    logger.info(
        "drover-worker %s (uvicorn %s): pool=%s worker=%s generation=%s",
        __version__,
        uvicorn.__version__,
        os.environ.get("DROVER_POOL", "-"),
        os.environ.get("DROVER_WORKER_INDEX", "-"),
        os.environ.get("DROVER_GENERATION", "-"),
    )
    for fd, (name, sock) in enumerate(zip(names, sockets, strict=True), start=3):
        logger.debug("fd %d (%s): %s", fd, name or "unnamed", describe(sock))

    try:
        server.run(sockets=sockets)
    except SystemExit as exc:
        if server.started:
            raise
        reason = "application startup failed" if exc.code == EXIT_STARTUP else f"exit status {exc.code}"
        return fail(f"app {args.app!r} did not start: {reason}; see the log above", EXIT_STARTUP)
    except Exception as exc:
        if server.started:
            raise
        traceback.print_exc()
        return fail(f"app {args.app!r} did not start: {summary(exc)}", EXIT_STARTUP)
    except KeyboardInterrupt:
        return 0
    if not server.started:
        return fail(f"app {args.app!r} did not start: application startup failed; see the log above", EXIT_STARTUP)
    return 0
