"""request_timeout: when each request in flight started, and a 503 for the late ones at retirement.

With ``--request-timeout``, every heartbeat (0.1 s) notes the first time it sees each of Uvicorn's request
tasks (``server_state.tasks``, which Uvicorn keeps anyway), so a request costs nothing more and a start is
known to 0.1 s.  The heartbeat page carries the oldest start; droverd decides when a request is late, has
this worker print its stacks (SIGUSR2, faulthandler) and replaces it surge first.  When this worker then
retires, its requests older than the timeout are cancelled at once and answered ``503 Service Unavailable``
(instead of holding the worker for its whole graceful timeout); the others drain as usual.
"""

from __future__ import annotations

import asyncio
import faulthandler
import signal
import sys
import time
import weakref
from collections.abc import Iterable
from typing import Any

_BODY = b"Service Unavailable: the request ran past request_timeout"


class LateRequests:
    def __init__(self, timeout: float) -> None:
        self.timeout_ns = int(timeout * 1e9)
        self._started: weakref.WeakKeyDictionary[asyncio.Task[Any], int] = weakref.WeakKeyDictionary()

    @staticmethod
    def print_stacks_on_sigusr2() -> None:
        """droverd's SIGUSR2 for a late request: every thread's stack on stderr, and the worker serves on."""
        faulthandler.register(signal.SIGUSR2, file=sys.stderr, all_threads=True, chain=False)

    def oldest(self, tasks: Iterable[asyncio.Task[Any]]) -> int:
        """The start (monotonic ns) of the oldest request in flight, 0 when none is; notes new ones as now."""
        now = time.monotonic_ns()
        oldest = 0
        for task in tasks:
            if task.done():
                continue
            started = self._started.setdefault(task, now)
            if oldest == 0 or started < oldest:
                oldest = started
        return oldest

    def late(self, tasks: Iterable[asyncio.Task[Any]]) -> list[asyncio.Task[Any]]:
        """Requests in flight for the timeout or longer."""
        self.oldest(tasks)
        cutoff = time.monotonic_ns() - self.timeout_ns
        return [task for task in tasks if not task.done() and self._started.get(task, cutoff + 1) <= cutoff]

    async def answer_late(self, tasks: Iterable[asyncio.Task[Any]]) -> int:
        """Cancels the late requests; those whose response has not started get a 503. Returns how many."""
        late = self.late(tasks)
        for task in late:
            cycle = _cycle_of(task)
            if cycle is not None and hasattr(cycle, "send_500_response"):
                cycle.send_500_response = _send_503.__get__(cycle)  # Uvicorn's answer to an app that failed
            task.cancel()
        if late:
            await asyncio.wait(late, timeout=1.0)
        return len(late)


def _cycle_of(task: asyncio.Task[Any]) -> Any:
    """Uvicorn's RequestResponseCycle whose run_asgi() the task runs (h11 and httptools alike)."""
    frame = getattr(task.get_coro(), "cr_frame", None)
    return frame.f_locals.get("self") if frame is not None else None


async def _send_503(cycle: Any) -> None:
    await cycle.send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(_BODY)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await cycle.send({"type": "http.response.body", "body": _BODY, "more_body": False})
