"""An ASGI app that tells what its process looks like, to compare a forked worker with an
exec'd one (fork mode tests): GET /facts is JSON; GET / is "VERSION gen N"; GET /imported says
whether the app was imported in this process (no with --preload: the template imported it);
GET /hog takes 512 MiB (for the OOM killer).

With BREAK_IN_TEMPLATE set, importing it in a template (which, unlike a worker, has no
DROVER_WORKER_INDEX) fails; IMPORT_DELAY=SECONDS makes importing it slow."""

import ctypes
import json
import os
import resource
import threading
import time

VERSION = "v1"
IMPORTED_IN = os.getpid()

if os.environ.get("BREAK_IN_TEMPLATE") and "DROVER_WORKER_INDEX" not in os.environ:
    raise RuntimeError("this app refuses to be preloaded")

if os.environ.get("IMPORT_DELAY"):
    time.sleep(float(os.environ["IMPORT_DELAY"]))

if os.environ.get("THREAD_AT_IMPORT"):
    threading.Thread(target=threading.Event().wait, name="import-time-poller", daemon=True).start()


def _fd_kind(target: str) -> str:
    if target.startswith("socket:"):
        return "socket"
    if target.startswith("pipe:"):
        return "pipe"
    if target.startswith("/memfd:"):
        return "memfd"
    if target.startswith("anon_inode:"):
        return target.split("[")[0]
    return target


def facts() -> dict:
    fds = {}
    for name in sorted(os.listdir("/proc/self/fd"), key=int):
        try:
            fds[name] = _fd_kind(os.readlink(f"/proc/self/fd/{name}"))
        except OSError:
            pass  # the directory's own fd, closed by now
    status = {}
    with open("/proc/self/status") as file:
        for line in file:
            key, _, value = line.partition(":")
            if key in ("SigBlk", "SigIgn", "SigCgt", "NoNewPrivs", "Seccomp"):
                status[key] = value.strip()
    libc = ctypes.CDLL(None, use_errno=True)
    signal = ctypes.c_int(0)
    libc.prctl(2, ctypes.byref(signal), 0, 0, 0)  # PR_GET_PDEATHSIG
    limits = {
        name: resource.getrlimit(getattr(resource, name))
        for name in sorted(dir(resource))
        if name.startswith("RLIMIT_")
    }
    umask = os.umask(0)
    os.umask(umask)
    return {
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "pgid": os.getpgid(0),
        "sid": os.getsid(0),
        "fds": fds,
        "status": status,
        "pdeathsig": signal.value,
        "rlimits": limits,
        "environ": dict(os.environ),
        "cwd": os.getcwd(),
        "umask": umask,
        "threads": threading.active_count(),
        "imported_here": IMPORTED_IN == os.getpid(),
    }


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["path"] == "/facts":
        body = json.dumps(facts()).encode()
    elif scope["path"] == "/hog":  # 512 MiB, every page written: more than a test's memory cgroup allows
        body = str(len(b"x" * (512 << 20))).encode()
    elif scope["path"] == "/imported":
        body = b"here" if IMPORTED_IN == os.getpid() else b"elsewhere"
    else:
        body = f"{VERSION} gen {os.environ.get('DROVER_GENERATION')} pid {os.getpid()}".encode()
    await send({
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())],
    })
    await send({"type": "http.response.body", "body": body})
