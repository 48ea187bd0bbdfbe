"""Tell droverd, once, that the app cannot be loaded.

An import error is deterministic: droverd stops trying (at start-up, it stops with Gunicorn's
exit status 4) and prints the traceback once however many workers hit it.  The traceback goes in
the sd_notify datagram (``DROVER_LOAD_ERROR=<summary>``, ``DROVER_TRACEBACK=<escaped text>``);
without droverd listening it is printed to stderr as usual.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import sys
import traceback

from .notify import Notifier

EXIT_APP_LOAD = 4  # Gunicorn's APP_LOAD_ERROR
MAX_TRACEBACK_BYTES = 60_000  # one datagram; droverd reads up to 64 KiB
_SKIPPED = (os.path.dirname(os.path.abspath(__file__)), os.path.dirname(importlib.__file__), "<frozen importlib")


def summary(exc: BaseException) -> str:
    """The last line of the exception as Python prints it, e.g. "ImportError: ..."."""
    return traceback.format_exception_only(type(exc), exc)[-1].strip()


def app_traceback(exc: BaseException) -> str:
    """The traceback without the launcher's own frames (nor importlib's): only the app's remain.

    A missing attribute raised by the loader itself has no frame left: just the exception line.
    """
    report = traceback.TracebackException.from_exception(exc)
    frames = [frame for frame in report.stack if not frame.filename.startswith(_SKIPPED)]
    report.stack = traceback.StackSummary.from_list(frames)
    return "".join(report.format()).rstrip("\n")


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def report_load_failure(notifier: Notifier, app: str, exc: BaseException) -> int:
    """Report why ``app`` cannot be loaded; the exit status to use.

    From here the process only leaves: droverd's stop signals (a quick stop's SIGINT once the pool
    has failed to start) are ignored, or one landing in the interpreter's shutdown prints a
    KeyboardInterrupt traceback after the app's own."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError):  # not the main thread: nothing to ignore there
            signal.signal(sig, signal.SIG_IGN)
    text = app_traceback(exc)
    encoded = text.encode()
    if len(encoded) > MAX_TRACEBACK_BYTES:  # keep the end, where the exception is
        text = "…\n" + encoded[-MAX_TRACEBACK_BYTES:].decode(errors="ignore")
    if not notifier.send(f"DROVER_LOAD_ERROR={summary(exc)}", f"DROVER_TRACEBACK={escape(text)}", retry=1.0):
        print(text, file=sys.stderr)
        print(f"drover-worker: cannot load app {app!r}: {summary(exc)}", file=sys.stderr, flush=True)
    return EXIT_APP_LOAD
