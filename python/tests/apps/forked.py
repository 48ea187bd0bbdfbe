"""Raw ASGI app for the template tests: GET / reports the process it runs in as JSON (pid, parent, process
group, PR_GET_PDEATHSIG, the pid that imported it, argv, threads, modules imported since).

At import it appends its pid to $FORKED_IMPORT_LOG (if set) and, with $FORKED_THREAD set, starts a thread
named "forked-sleeper" that sleeps forever (a library starting a thread at import); with $FORKED_SIGNALS set,
it ignores SIGHUP and SIGCHLD, handles SIGTERM and blocks SIGUSR2.
"""

import ctypes
import json
import os
import signal
import sys
import threading

IMPORT_PID = os.getpid()
MODULES_AT_IMPORT = set(sys.modules)
PR_GET_PDEATHSIG = 2

if os.environ.get("FORKED_IMPORT_LOG"):
    with open(os.environ["FORKED_IMPORT_LOG"], "a") as log:
        log.write(f"{IMPORT_PID}\n")
if os.environ.get("FORKED_SIGNALS"):  # a library that changes signal dispositions at import
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda sig, frame: None)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2})
if os.environ.get("FORKED_THREAD"):
    threading.Thread(target=threading.Event().wait, name="forked-sleeper", daemon=True).start()


def _pdeathsig() -> int:
    value = ctypes.c_int(-1)
    ctypes.CDLL(None).prctl(PR_GET_PDEATHSIG, ctypes.byref(value), 0, 0, 0)
    return value.value


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            kind = message["type"].rsplit(".", 1)[-1]
            await send({"type": f"lifespan.{kind}.complete"})
            if kind == "shutdown":
                return
    report = {
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "pgid": os.getpgid(0),
        "import_pid": IMPORT_PID,
        "pdeathsig": _pdeathsig(),
        "index": os.environ.get("DROVER_WORKER_INDEX"),
        "argv": sys.argv,
        "threads": sorted(thread.name for thread in threading.enumerate()),
        "imported_since": sorted(set(sys.modules) - MODULES_AT_IMPORT),  # by the launcher, after the app
    }
    body = json.dumps(report).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
