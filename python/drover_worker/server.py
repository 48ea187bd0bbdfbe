"""DroverServer: uvicorn.Server with droverd's signals, readiness and graceful retirement.

Signals (handled while serving):

* SIGTERM: retire.  Stop accepting at once, answer the next request on every
  open connection with ``Connection: close``, give idle keep-alive connections
  ``idle_grace`` seconds for a request that may already be on the wire, then run
  uvicorn's normal shutdown (in-flight requests get up to the graceful timeout,
  then lifespan shutdown).  The process then exits 0, not "killed by SIGTERM".
* SIGINT: quick stop (uvicorn's force_exit): stop accepting, drop connections,
  skip the grace and the wait.  A second SIGINT kills the process outright.
* SIGUSR1: reopen the access log file (logrotate renames it, then sends USR1);
  without an access log file only logged at debug level.

The request limit (``--limit-max-requests``): under droverd (NOTIFY_SOCKET set), a worker
that reaches it says ``DROVER_RECYCLE=1`` once and serves on; droverd starts its replacement
and sends SIGTERM once that is ready (surge first: with one worker too, the pool is never
without one).  If no SIGTERM comes within RECYCLE_WAIT, or without droverd, Uvicorn's own
limit ends main_loop(), after which _serve() calls our shutdown(): the worker retires exactly
as on SIGTERM, STOPPING=1 included.

Uvicorn internals used: Server.startup/shutdown/serve, .servers, .started,
.should_exit, .force_exit, .server_state.connections, .capture_signals (overridden
so the signal is not re-raised after shutdown), _serve() calling shutdown() once
main_loop() returns, and the protocols' .transport.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Generator, Sequence
from types import FrameType
from typing import Any

import uvicorn

from .heartbeat import HEARTBEAT_INTERVAL, Heartbeat, pulse
from .late_requests import LateRequests
from .logs import AccessFileHandler, reopen_log_files
from .notify import Notifier

logger = logging.getLogger("uvicorn.error")

# How long a worker at its request limit waits for droverd to replace it before it retires itself.
RECYCLE_WAIT = 300.0


class DroverServer(uvicorn.Server):
    on_quick_stop: Callable[[], Any] | None = None  # called from the first SIGINT's handler (worker_int hook)

    def __init__(
        self,
        config: uvicorn.Config,
        *,
        notifier: Notifier,
        heartbeat: Heartbeat | None = None,
        watchdog_interval: float | None = None,
        idle_grace: float = 1.0,
        addresses: Sequence[str] = (),
        access_file: AccessFileHandler | None = None,
        late_requests: LateRequests | None = None,
    ) -> None:
        super().__init__(config)
        self.late_requests = late_requests
        self.notifier = notifier
        self.heartbeat = heartbeat
        self.watchdog_interval = watchdog_interval
        self.idle_grace = idle_grace
        self.addresses = list(addresses)
        self.access_file = access_file
        self.ready = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._starting: asyncio.Future[None] | None = None
        self.stopped_while_starting = False
        self._sockets: list[socket.socket] = []
        self._stopped_accepting = False
        self._recycle_asked: float | None = None  # when DROVER_RECYCLE=1 was sent

    # -- liveness -----------------------------------------------------------

    def _beat(self) -> None:
        if self.heartbeat is not None:
            state = self.server_state
            oldest = self.late_requests.oldest(state.tasks) if self.late_requests is not None else 0
            self.heartbeat.beat(state.total_requests, len(state.tasks), oldest)
        elif self.watchdog_interval is not None:
            self.notifier.send("WATCHDOG=1")

    def _pulse_interval(self) -> float | None:
        if self.heartbeat is not None:
            return HEARTBEAT_INTERVAL
        if self.watchdog_interval is not None and self.notifier.enabled:
            return self.watchdog_interval
        return None

    # -- lifecycle ----------------------------------------------------------

    async def on_tick(self, counter: int) -> bool:
        limit = getattr(self, "limit_max_requests", self.config.limit_max_requests)  # uvicorn < 0.36: config's
        if limit is not None and not self.should_exit and self.server_state.total_requests >= limit:
            if self._waits_for_replacement(limit):
                return False
        return await super().on_tick(counter)

    def _waits_for_replacement(self, limit: int) -> bool:
        """At the request limit: ask droverd for a replacement (once) and serve on until it comes."""
        if not self.notifier.enabled:
            return False
        now = time.monotonic()
        if self._recycle_asked is None:
            if not self.notifier.send("DROVER_RECYCLE=1", "STATUS=request limit reached: waiting for a replacement"):
                return False
            self._recycle_asked = now
            logger.info("Request limit of %d reached: serving on until droverd's replacement is ready", limit)
            return True
        if now - self._recycle_asked < RECYCLE_WAIT:
            return True
        logger.warning("Request limit reached %.0fs ago and no replacement came: retiring now", RECYCLE_WAIT)
        return False


    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        self._sockets = list(sockets or ())
        interval = self._pulse_interval()
        beating = self._loop.create_task(pulse(self._beat, interval)) if interval else None
        try:
            await super().serve(sockets=sockets)
        finally:
            if beating is not None:
                beating.cancel()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        # A worker told to stop before its app finished starting has nothing to drain: the
        # stop cancels the startup (a lifespan that hangs would otherwise hold the worker
        # until droverd's graceful timeout).
        self._starting = asyncio.ensure_future(super().startup(sockets=sockets))
        try:
            await self._starting
        except asyncio.CancelledError:
            if not self.should_exit:
                raise
            logger.info("Stopped before the application finished starting")
            self.stopped_while_starting = True
            return
        finally:
            self._starting = None
        if not self.started or self.should_exit:
            return  # lifespan startup failed (uvicorn <= 0.30 returns), or a signal came meanwhile
        if self.heartbeat is not None:
            self.heartbeat.beat()
        where = ", ".join(self.addresses)
        self.notifier.send("READY=1", f"STATUS=serving on {where}", retry=2.0)
        self.ready = True
        logger.info("Ready: serving on %s", where)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if not self.should_exit:  # no signal: main_loop() ended on uvicorn's limit_max_requests
            logger.info(
                "Request limit reached: retiring; no new connections, open ones may send one last request for %.1fs",
                self.idle_grace,
            )
        self._stop_accepting()
        self._retire_connections()
        if self.late_requests is not None and not self.force_exit:
            await self._answer_late_requests(self.late_requests)
        if not self.force_exit and self.idle_grace > 0 and self.server_state.connections:
            await self._idle_grace()
        if self.force_exit:
            self._abort_connections()
        await super().shutdown(sockets=sockets)
        if self.force_exit:
            await self._end_quick_stop()

    async def _end_quick_stop(self) -> None:
        """A quick stop skips the lifespan shutdown and abandons the requests in flight; left alone, the loop's end
        cancels them, and Uvicorn (for each request) and Starlette (for the lifespan) log a CancelledError traceback.
        Cancel the requests here with those tracebacks kept out of the log (debug level), and demote what the
        cancelled lifespan reports; one info line says what was skipped."""
        lifespan = getattr(self, "lifespan", None)
        if isinstance(getattr(lifespan, "logger", None), logging.Logger):  # uvicorn's LifespanOn
            lifespan.logger = _Demoted(lifespan.logger)  # type: ignore[union-attr]
        tasks = [task for task in self.server_state.tasks if not task.done()]
        quiet = _CancelledTracebacks()
        logger.addFilter(quiet)
        try:
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks, timeout=1.0)
        finally:
            logger.removeFilter(quiet)
        logger.info("Quick stop: application shutdown skipped, %d request(s) cancelled", len(tasks))

    async def _answer_late_requests(self, late_requests: LateRequests) -> None:
        """Requests in flight past request_timeout: answered 503 now (their cancellation's traceback kept out
        of the log, as a quick stop does); the others drain as usual."""
        quiet = _CancelledTracebacks()
        logger.addFilter(quiet)
        try:
            count = await late_requests.answer_late(self.server_state.tasks)
        finally:
            logger.removeFilter(quiet)
        if count:
            logger.warning("Request timeout: %d request(s) in flight past request_timeout answered 503", count)

    async def _idle_grace(self) -> None:
        """Let open connections send one last request; stop early once none are left."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.idle_grace
        while self.server_state.connections and not self.force_exit:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await asyncio.sleep(min(0.05, remaining))
        logger.debug("Idle grace over, %d connection(s) left", len(self.server_state.connections))

    def _stop_accepting(self) -> None:
        if self._stopped_accepting or not self.started:
            return  # not listening yet: shutdown() will come back here
        self._stopped_accepting = True
        for server in self.servers:
            server.close()
        for sock in self._sockets:
            sock.close()  # already closed (asyncio) or detached (uvloop) by server.close()
        self.notifier.send("STOPPING=1", "STATUS=stopping" if self.force_exit else "STATUS=retiring", retry=2.0)

    def _retire_connections(self) -> None:
        """From now on each connection's last answer carries Connection: close (retire.py); nothing per request
        before this."""
        for connection in list(self.server_state.connections):
            retire = getattr(connection, "retire", None)  # retire.retiring_protocol's; not a websocket's
            if retire is not None:
                retire()

    def _abort_connections(self) -> None:
        for connection in list(self.server_state.connections):
            transport = getattr(connection, "transport", None)
            if transport is not None:
                transport.abort()

    # -- signals ------------------------------------------------------------

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handlers: dict[int, Callable[[int, FrameType | None], Any]] = {
            signal.SIGTERM: self._on_sigterm,
            signal.SIGINT: self._on_sigint,
            signal.SIGUSR1: self._on_sigusr1,
        }
        previous = {sig: signal.signal(sig, handler) for sig, handler in handlers.items()}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        # Unlike uvicorn >= 0.29, do not re-raise the captured signal: retiring is a clean exit 0.

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        (self._on_sigint if sig == signal.SIGINT else self._on_sigterm)(sig, frame)

    # The handlers run in the main thread between two bytecodes, possibly in the
    # middle of event-loop code: they only set flags and hand the rest to the loop.

    def _on_sigterm(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit:
            self._call_soon(logger.info, "SIGTERM received again: already stopping")
            return
        self.should_exit = True
        self._call_soon(self._begin_stop, "SIGTERM")

    def _on_sigint(self, sig: int, frame: FrameType | None) -> None:
        if self.force_exit:
            # Second SIGINT: the quick stop is stuck (a blocked loop?); die by the signal now.
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.raise_signal(signal.SIGINT)
            return
        if self.on_quick_stop is not None:
            self.on_quick_stop()  # in the handler, as Gunicorn: it works even if the loop is blocked
        self.should_exit = True
        self.force_exit = True
        self._call_soon(self._begin_stop, "SIGINT")

    def _on_sigusr1(self, sig: int, frame: FrameType | None) -> None:
        self._call_soon(self._reopen_logs)

    def _call_soon(self, callback: Callable[..., Any], *args: Any) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(callback, *args)

    def _reopen_logs(self) -> None:
        try:  # a log config's file handlers, as Gunicorn reopens them
            for path in reopen_log_files():
                logger.info("SIGUSR1 received: reopened the log file %s", path)
        except OSError as exc:
            logger.error("SIGUSR1 received: cannot reopen a log file: %s", exc)
        handler = self.access_file
        if handler is None:
            logger.debug("SIGUSR1 received: nothing to reopen (no access log file)")
            return
        try:
            handler.reopen()
        except OSError as exc:
            logger.error(
                "SIGUSR1 received: cannot reopen the access log %s: %s; still writing to the old file",
                handler.path,
                exc.strerror or exc,
            )
            return
        logger.info("SIGUSR1 received: reopened the access log %s", handler.path)

    def _begin_stop(self, reason: str) -> None:
        if self.force_exit:
            logger.info("%s received: stopping now, not waiting for in-flight requests", reason)
        else:
            logger.info(
                "%s received: retiring; no new connections, open ones may send one last request for %.1fs",
                reason,
                self.idle_grace,
            )
        if self._starting is not None:
            self._starting.cancel()
        self._stop_accepting()
        self._retire_connections()
        if self.force_exit:
            self._abort_connections()


class _Demoted:
    """A logger whose every record goes out at debug level: the cancelled lifespan's reports after a quick stop
    (Starlette's lifespan.shutdown.failed traceback, Uvicorn's "lifespan protocol appears unsupported")."""

    def __init__(self, target: logging.Logger) -> None:
        self._target = target

    def _debug(self, msg: object, *args: Any, **kwargs: Any) -> None:
        self._target.debug(msg, *args, **kwargs)

    debug = info = warning = error = exception = critical = _debug


class _CancelledTracebacks(logging.Filter):
    """Uvicorn's "Exception in ASGI application" for a request cancelled by a quick stop: debug level, or dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError):
            if not logger.isEnabledFor(logging.DEBUG):
                return False
            record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
        return True
