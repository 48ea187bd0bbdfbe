"""Wire the pieces together: arguments, inherited sockets, app, uvicorn, exit status.

Exit status: 0 after a retirement or quick stop, 2 for bad arguments or a bad
environment (no LISTEN_FDS, unusable heartbeat fd, access log file or TLS
certificate that cannot be read), 4 when the app cannot be loaded (import error, missing
attribute, factory error: Gunicorn's APP_LOAD_ERROR; the traceback goes to droverd, see
load_failure), 3 when it does not start (lifespan startup failure).
"""

from __future__ import annotations

import logging
import os
import signal
import ssl
import sys
import traceback
from collections.abc import Sequence
from types import FrameType

import uvicorn

from . import __version__
from .cli import parse_args
from .heartbeat import Heartbeat, HeartbeatError, watchdog_interval_from_environ
from .late_requests import LateRequests
from .listen import ListenError, describe, listen_sockets
from .load_failure import report_load_failure, summary
from .loader import load_app
from .apply_settings import http_protocol, prepare_process, ssl_extras, with_access_log
from .json_output import JsonLineWriter
from .logs import STDOUT, LogConfigError, access_file_handler, attach_uvicorn_loggers, open_access_log, setup_logging
from .notify import Notifier
from .server import DroverServer
from .worker_hooks import HookFailure, WorkerHooks

EXIT_USAGE = 2
EXIT_STARTUP = 3


def fail(message: str, status: int) -> int:
    print(f"drover-worker: {message}", file=sys.stderr, flush=True)
    return status


def _ignore_sigusr1(sig: int, frame: FrameType | None) -> None:
    """Before serving starts, a log-reopen request is simply ignored (instead of killing us)."""


def _encrypted_key() -> bytes:
    """Password callback: never prompt on a terminal for an encrypted key."""
    raise ValueError("the private key is encrypted, which is not supported")


def check_tls(certfile: str, keyfile: str) -> str | None:
    """Load the certificate and key once up front; a one-line reason if they are unusable."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(certfile, keyfile, password=_encrypted_key)
    except OSError as exc:  # includes ssl.SSLError
        return exc.strerror or str(exc)
    except ValueError as exc:
        return str(exc)
    return None


def run(argv: Sequence[str]) -> int:
    signal.signal(signal.SIGUSR1, _ignore_sigusr1)
    args = parse_args(argv)
    if args.log_format == "json":  # prints become JSON lines too, before anything is set up on stdout
        sys.stdout = JsonLineWriter(sys.stdout)
    try:  # contract C: the config file's worker-side hooks; post_fork runs here
        hooks = WorkerHooks.start(args.gunicorn_config, args.worker_hooks)
    except HookFailure as exc:
        return fail(exc.message, exc.status)

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

    access_stream = None
    if args.access_logfile not in (STDOUT, ""):
        try:
            access_stream = open_access_log(args.access_logfile)
        except OSError as exc:
            return fail(f"--access-logfile {args.access_logfile}: {exc.strerror or exc}", EXIT_USAGE)
    tls = args.ssl_certfile is not None
    if tls and (reason := check_tls(args.ssl_certfile, args.ssl_keyfile)) is not None:
        return fail(f"--ssl-certfile {args.ssl_certfile} --ssl-keyfile {args.ssl_keyfile}: {reason}", EXIT_USAGE)
    try:  # Gunicorn's formats (or JSON), then --log-config*: from here on the lines are Gunicorn's
        setup_logging(
            log_format=args.log_format,
            log_level=args.log_level,
            access_target=args.access_logfile,
            access_stream=access_stream,
            log_config_file=args.log_config,
            log_config_json=args.log_config_json,
            log_config_dict=args.log_config_dict,
        )
    except LogConfigError as exc:
        return fail(str(exc), EXIT_USAGE)
    ssl_options, reason = ssl_extras(args)
    if reason is not None:
        return fail(reason, EXIT_USAGE)
    if (reason := prepare_process(args, notifier)) is not None:  # --user/--group: sockets are ours already
        return fail(reason, EXIT_USAGE)

    try:
        app = load_app(args.app, app_dir=os.path.abspath(args.app_dir), factory=args.factory)
    except (Exception, SystemExit) as exc:
        return report_load_failure(notifier, args.app, exc)

    if (hook_error := hooks.post_worker_init()) is not None:  # contract C: Gunicorn's post_worker_init
        return fail(hook_error, EXIT_STARTUP)

    config = uvicorn.Config(
        app=app,
        loop=args.loop,
        http=http_protocol(args),  # a protocol class enforcing --limit-request-* if given
        lifespan="auto",
        log_level=args.log_level,
        log_config=None,  # setup_logging() did it
        access_log=args.log_format == "json" and args.access_logfile != "",  # text: with_access_log() writes them
        timeout_keep_alive=args.keep_alive,
        timeout_graceful_shutdown=args.graceful_timeout,
        root_path=args.root_path,
        proxy_headers=args.proxy_headers,
        forwarded_allow_ips=args.forwarded_allow_ips,
        backlog=args.backlog,
        limit_max_requests=args.limit_max_requests,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
        **ssl_options,
        workers=1,  # ignore WEB_CONCURRENCY: droverd runs the pool
    )
    attach_uvicorn_loggers(args.log_format)  # uvicorn.Config() just reset levels and the access handlers
    try:
        config.load()  # wraps the app (proxy headers, ASGI2 adapter, ...) without importing anything
    except (Exception, SystemExit) as exc:
        return report_load_failure(notifier, args.app, exc)
    config.loaded_app = with_access_log(config.loaded_app, args)  # retirement: the protocol (retire.py)

    late_requests = LateRequests(args.request_timeout) if args.request_timeout > 0 else None
    if late_requests is not None:
        late_requests.print_stacks_on_sigusr2()
    server = DroverServer(
        config,
        notifier=notifier,
        heartbeat=heartbeat,
        watchdog_interval=watchdog_interval,
        idle_grace=args.idle_grace,
        addresses=[describe(sock, tls=tls) for sock in sockets],
        access_file=access_file_handler(),
        late_requests=late_requests,
    )
    server.on_quick_stop = hooks.worker_int  # contract C: Gunicorn's worker_int
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
        logger.debug("fd %d (%s): %s", fd, name or "unnamed", describe(sock, tls=tls))

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
    if not server.started and not server.stopped_while_starting:
        return fail(f"app {args.app!r} did not start: application startup failed; see the log above", EXIT_STARTUP)
    return 0  # served and stopped, or told to stop before the app finished starting
