"""Liveness signals written from the event loop: the heartbeat stamp or WATCHDOG=1.

droverd passes DROVER_HEARTBEAT_FD, a memfd of at least 8 bytes.  We map its
first 8 bytes and store time.monotonic_ns() there as a native-endian uint64 with
a single aligned store.  Because the stamp is written by a task on the event loop,
a loop blocked by synchronous code stops the stamps and droverd notices.  With a
page of 24 bytes or more, each beat also stores the requests served so far (bytes
8..15) and the requests in flight (16..23), which Uvicorn counts anyway: droverd's
/metrics shows them, and no request does any work for it.  With a page of 32 bytes
or more, bytes 24..31 hold the start (monotonic ns) of the oldest request in flight,
0 for none (written only with --request-timeout; see late_requests.py).

Without a heartbeat fd, systemd's WATCHDOG_USEC (with WATCHDOG_PID unset or ours)
makes us send WATCHDOG=1 every WATCHDOG_USEC/2 instead.
"""

from __future__ import annotations

import asyncio
import ctypes
import mmap
import os
import time
from collections.abc import Callable

# Seconds between stamps: droverd's SupervisorPolicy.heartbeatInterval (its test checks this copy).
# droverd allows 0.5 s on top of the timeout, several intervals.
HEARTBEAT_INTERVAL = 0.1


class HeartbeatError(Exception):
    """DROVER_HEARTBEAT_FD is set but unusable."""


class Heartbeat:
    def __init__(self, fd: int) -> None:
        try:
            size = os.fstat(fd).st_size
            if size < 8:
                raise HeartbeatError(f"DROVER_HEARTBEAT_FD={fd} is {size} bytes long, need at least 8")
            os.set_inheritable(fd, False)
            length = 32 if size >= 32 else 24 if size >= 24 else 8
            self._map = mmap.mmap(fd, length, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ | mmap.PROT_WRITE)
        except OSError as exc:
            raise HeartbeatError(f"DROVER_HEARTBEAT_FD={fd}: {exc.strerror or exc}") from None
        self.fd = fd
        # Offset 0 of a mapping is page aligned: assigning .value is one aligned 8-byte store.
        self._stamp = ctypes.c_uint64.from_buffer(self._map)
        slots = (length - 8) // 8
        self._counts = (ctypes.c_uint64 * slots).from_buffer(self._map, 8) if slots else None

    @classmethod
    def from_environ(cls) -> Heartbeat | None:
        value = os.environ.pop("DROVER_HEARTBEAT_FD", None)
        if not value:
            return None
        try:
            fd = int(value)
        except ValueError:
            raise HeartbeatError(f"DROVER_HEARTBEAT_FD={value!r} is not a file descriptor number") from None
        if fd < 3:
            raise HeartbeatError(f"DROVER_HEARTBEAT_FD={fd} is a standard stream")
        return cls(fd)

    def beat(self, served: int = 0, in_flight: int = 0, oldest_request: int = 0) -> None:
        if self._counts is not None:
            self._counts[0] = served
            self._counts[1] = in_flight
            if len(self._counts) > 2:
                self._counts[2] = oldest_request
        self._stamp.value = time.monotonic_ns()


def watchdog_interval_from_environ() -> float | None:
    """Seconds between WATCHDOG=1 pings (half of WATCHDOG_USEC), or None; removes the variables."""
    usec = os.environ.pop("WATCHDOG_USEC", None)
    pid = os.environ.pop("WATCHDOG_PID", None)
    if pid is not None and pid != str(os.getpid()):
        return None
    try:
        value = int(usec) if usec else 0
    except ValueError:
        return None
    return value / 2_000_000 if value > 0 else None


async def pulse(beat: Callable[[], None], interval: float) -> None:
    """Call beat() from the event loop every interval seconds, forever."""
    while True:
        beat()
        await asyncio.sleep(interval)
