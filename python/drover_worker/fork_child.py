"""What a worker forked by the template (template.py) does to look like an exec'd one.

Its received fds go where droverd's exec puts them, os.environ becomes the request's (with
LISTEN_PID, and WATCHDOG_PID if present, set to the worker's pid), the signal dispositions
become those the template started with (a freshly exec'd worker's) with an empty mask, and
PR_SET_PDEATHSIG is set as droverd's exec spawn sets it.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import signal
import time
from typing import Any

PR_SET_PDEATHSIG = 1
PR_SET_NAME = 15
_libc = ctypes.CDLL(None, use_errno=True)


def process_name() -> bytes:
    """This thread's name (/proc/self/comm: what ps and pgrep show without -f)."""
    with open("/proc/self/comm", "rb") as file:
        return file.read().rstrip(b"\n")


def set_process_name(name: bytes) -> None:
    """prctl(PR_SET_NAME, name): at most 15 bytes show."""
    if _libc.prctl(PR_SET_NAME, ctypes.c_char_p(name[:15]), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NAME)")


def set_parent_death_signal(sig: int) -> None:
    """prctl(PR_SET_PDEATHSIG, sig): SIG when our parent (droverd) dies."""
    if _libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG)")


MADV_PAGEOUT = 21
_libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]


def page_out(start: int, length: int) -> None:
    """madvise(MADV_PAGEOUT) on this process's [start, start + length) (the template's own pages)."""
    if _libc.madvise(start, length, MADV_PAGEOUT) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))


def move_fds(moves: list[tuple[int, int]]) -> None:
    """Put each received fd at its place (inheritable, as droverd passes them), out of each other's way first."""
    floor = max(target for _, target in moves) + 1
    parked = [(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, floor), target) for fd, target in moves]
    for fd, _ in moves:
        os.close(fd)
    for fd, target in parked:
        os.dup2(fd, target, inheritable=True)
        os.close(fd)


def replace_environ(env: dict[str, str]) -> None:
    """os.environ (and the C environment, through putenv) becomes ENV, the pid variables ours."""
    os.environ.clear()
    _libc.clearenv()  # and whatever was set behind os.environ's back
    os.environ.update(env)
    os.environ["LISTEN_PID"] = str(os.getpid())
    if "WATCHDOG_PID" in os.environ:
        os.environ["WATCHDOG_PID"] = str(os.getpid())
    time.tzset()  # in case TZ differs


def dispositions() -> dict[int, Any]:
    """The current Python-level signal dispositions."""
    handlers = {}
    for sig in signal.valid_signals():
        try:
            handler = signal.getsignal(sig)
        except (OSError, ValueError):
            continue
        if handler is not None:
            handlers[sig] = handler
    return handlers


def reset_signals(handlers: dict[int, Any]) -> None:
    """Put back the dispositions dispositions() returned (whatever a preloaded app changed), an empty mask."""
    for sig, handler in handlers.items():
        if signal.getsignal(sig) != handler:
            signal.signal(sig, handler)
    signal.set_wakeup_fd(-1)
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
