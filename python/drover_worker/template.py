"""Template mode: a fork server for one pool generation (internal protocol between droverd and the launcher).

Start.  droverd execs ``drover-worker [the worker's options] [--preload] APP`` -- a worker's command line,
so that the workers it forks show one in ps -- with the pool's environment as for a worker (DROVER_POOL, DROVER_GENERATION, LISTEN_FDS,
LISTEN_FDNAMES, NOTIFY_SOCKET, ...; no heartbeat, no WATCHDOG_*) plus ``DROVER_TEMPLATE_FD=N``, an AF_UNIX
SOCK_SEQPACKET socket to droverd, which is what makes it a template (``--template`` as the first argument
does too, for running one by hand).  It names itself ``drover-template`` (PR_SET_NAME: ps, pgrep and
/proc/PID/comm show it); each worker takes the launcher's name back.  fds: 0 /dev/null, 1 droverd's stdout, 2 a pipe droverd reads as the
template's log, 3 .. 3+LISTEN_FDS-1 the pool's listening sockets, N = 3+LISTEN_FDS.  The template is
droverd's child in its own process group, with PR_SET_PDEATHSIG=SIGKILL.

Template.  gc is disabled; the arguments are parsed by the worker's parser (bad ones: exit 2, as a
worker); the launcher and everything Uvicorn would import for these arguments (HTTP and WebSocket
protocols, lifespan, event loop) are imported, without creating an event loop, a thread or an open file.
With ``--preload`` the app is loaded as a worker loads it (loader.load_app with --app-dir, --factory and
--pythonpath) and kept for the workers (Gunicorn's preload_app: imported before the fork, while post_fork
and post_worker_init still run in each worker); a load failure prints the traceback and
``drover-worker: cannot load app 'APP': <exception>`` on stderr and exits 4.  Then ``gc.freeze()`` and
one message: ``{"ready": true, "pid": <pid>, "preload": <bool>}``.

Requests (JSON in UTF-8, one message of at most 1 MiB with at most 8 fds, one at a time; each is answered
by exactly one message).  An empty message (EOF) ends the template with status 0; forked workers go on.
A page-out request, ``{"page_out": [[START, LENGTH], ...]}`` (droverd's ``page_out_code``, once the pool is
up: ranges of the template's own file mappings, at most 4096), is answered ``{"paged_out": N}``, N the
ranges madvise(MADV_PAGEOUT) took, with ``"error"`` naming the first that failed.  A fork request::

    {"argv": ["drover-worker", "--log-level", "info", ..., "main:app"],   # the worker's full argv
     "env": [["NAME", "value"], ...],                                     # the worker's whole environment
     "fds": ["stderr", "heartbeat", "probe"]}                             # names of the fds sent, in order

"stderr" is required, "heartbeat" (needs DROVER_HEARTBEAT_FD in env) and "probe" are optional.  The answer
is ``{"pid": W}`` or ``{"error": "<one line>"}`` (bad request, fork failure).  The template forks a helper
that forks the worker W, puts W in its own process group, hands the answer back through a pipe and exits;
the template reaps it, so W becomes droverd's child (droverd is a child subreaper, or pid 1), and only then
sends the answer: when droverd reads W's pid, W is its child already.  Threads alive in the template at fork
time (started by a preloaded app) are not inherited: one warning on stderr says so, the first time.

Worker.  W waits for the helper to exit, sets PR_SET_PDEATHSIG=SIGKILL and exits 1 if its parent is not
the template's parent (droverd died).  It closes the template socket and moves the received fds: stderr
to 2, heartbeat to DROVER_HEARTBEAT_FD, probe to 3 + the template's LISTEN_FDS.  os.environ becomes the
request's env, with LISTEN_PID (and WATCHDOG_PID if present) set to W's pid; sys.argv the request's argv.
Signal dispositions are those the template started with (those of a freshly exec'd worker), the signal
mask is empty and gc is enabled again.  serve() then returns the argv to __main__, which runs the worker
as if exec'd: ``worker.run(argv[1:])``.  rlimits, cwd, umask, stdin and stdout are the template's.
"""

from __future__ import annotations

import array
import gc
import importlib
import importlib.util
import json
import os
import signal
import socket
import sys
import threading
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .fork_child import (
    dispositions,
    move_fds,
    page_out,
    process_name,
    replace_environ,
    reset_signals,
    set_parent_death_signal,
    set_process_name,
)

EXIT_USAGE = 2
MAX_MESSAGE = 1 << 20
MAX_FDS = 8
MAX_RANGES = 4096
FD_NAMES = ("stderr", "heartbeat", "probe")
PIPE_BUF = 4096  # the helper's answer is shorter: one atomic write
TEMPLATE_NAME = b"drover-template"
REPARENT_TIMEOUT = 10.0  # how long a new worker waits for the helper between it and the template to exit


class RequestError(Exception):
    """A fork request that cannot be carried out; its message is the one-line answer."""


@dataclass
class Template:
    sock: socket.socket
    listen_count: int  # the pool's listening sockets: a probe goes right after them
    supervisor: int  # droverd's pid: the forked workers' parent
    signals: dict[int, Any]  # the dispositions a freshly exec'd worker has
    name: bytes = b"drover-worker"  # the process name an exec'd worker has (/proc/PID/comm)
    warned: bool = False


@dataclass
class Request:
    argv: list[str]
    env: dict[str, str]
    moves: list[tuple[int, int]]  # (received fd, where it goes)


def serve(argv: Sequence[str]) -> int | list[str]:
    """Run the template (argv without --template): its exit status, or, in a forked worker, the worker's argv."""
    gc.disable()
    signals = dispositions()
    from .cli import parse_args

    args = parse_args(argv)  # bad arguments: exit 2, as a worker
    try:
        template = Template(*_template_socket(), supervisor=os.getppid(), signals=signals, name=process_name())
    except ValueError as exc:
        print(f"drover-worker: {exc}", file=sys.stderr, flush=True)
        return EXIT_USAGE
    set_process_name(TEMPLATE_NAME)
    _import_server(args)
    if args.preload:
        from .apply_settings import apply_python_path
        from .load_failure import report_load_failure
        from .loader import preload_app
        from .notify import Notifier

        apply_python_path(args)
        try:
            preload_app(args.app, app_dir=os.path.abspath(args.app_dir), factory=args.factory)
        except (Exception, SystemExit) as exc:
            return report_load_failure(Notifier(None), args.app, exc)  # droverd ignores a template's datagrams
    gc.freeze()
    _flush()
    try:
        _answer(template.sock, {"ready": True, "pid": os.getpid(), "preload": bool(args.preload)})
        return _loop(template)
    except OSError as exc:  # droverd's end is unusable (a forked worker never gets here: it returned)
        print(f"drover-worker: --template: DROVER_TEMPLATE_FD: {exc.strerror or exc}", file=sys.stderr, flush=True)
        return 1


def _template_socket() -> tuple[socket.socket, int]:
    """DROVER_TEMPLATE_FD as a socket, and LISTEN_FDS; ValueError with a one-line reason."""
    value = os.environ.pop("DROVER_TEMPLATE_FD", "")
    try:
        count = int(os.environ.get("LISTEN_FDS", ""))
    except ValueError:
        raise ValueError("--template: LISTEN_FDS is not set to a number; run me under droverd") from None
    if not value.isdigit() or int(value) < 3:
        raise ValueError(f"--template: DROVER_TEMPLATE_FD={value!r} is not a file descriptor; run me under droverd")
    try:
        sock = socket.socket(fileno=int(value))
    except OSError as exc:
        raise ValueError(f"--template: DROVER_TEMPLATE_FD={value}: {exc.strerror or exc}") from None
    if sock.family != socket.AF_UNIX or sock.type != socket.SOCK_SEQPACKET:
        sock.detach()
        raise ValueError(f"--template: DROVER_TEMPLATE_FD={value} is not an AF_UNIX SOCK_SEQPACKET socket")
    sock.set_inheritable(False)
    return sock, count


def _import_server(args: Any) -> None:
    """Import what a worker imports before serving, as Uvicorn resolves it for these arguments."""
    import uvicorn.config
    from uvicorn.importer import import_from_string

    from . import worker  # noqa: F401  (the launcher, uvicorn, and their modules)
    from .apply_settings import http_protocol

    http_protocol(args)  # a class only: the protocol modules the worker's class is made from
    import_from_string(uvicorn.config.HTTP_PROTOCOLS[args.http])
    if (ws := uvicorn.config.WS_PROTOCOLS["auto"]) is not None:  # the worker's uvicorn.Config: ws="auto"
        import_from_string(ws)
    import_from_string(uvicorn.config.LIFESPAN["auto"])
    factories = getattr(uvicorn.config, "LOOP_FACTORIES", None)  # uvicorn >= 0.36
    if factories is not None and (factory := factories.get(args.loop)) is not None:
        import_from_string(factory)(use_subprocess=False)  # returns a loop class or function, creates no loop
    elif factories is None and (setup := uvicorn.config.LOOP_SETUPS.get(args.loop)) is not None:
        import_from_string(setup)  # not called: it would set the event loop policy
    if args.loop in ("auto", "uvloop") and importlib.util.find_spec("uvloop") is not None:
        importlib.import_module("uvloop")


def _loop(template: Template) -> int | list[str]:
    while True:
        data, fds, flags = _receive(template.sock)
        if not data and not fds:
            return 0  # droverd closed its end
        try:
            if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC):
                raise RequestError(f"request longer than {MAX_MESSAGE} bytes or with more than {MAX_FDS} fds")
            message = _decode(data)
            if "page_out" in message:
                _close(fds)
                _answer(template.sock, _page_out(message["page_out"]))
                continue
            argv = _fork(template, _parse(message, fds, template.listen_count))
        except RequestError as exc:
            _close(fds)
            _answer(template.sock, {"error": str(exc)})
            continue
        if argv is not None:
            return argv  # we are the new worker
        _close(fds)


def _receive(sock: socket.socket) -> tuple[bytes, list[int], int]:
    """socket.recv_fds() with close-on-exec fds (the template never execs, a thread of the app might)."""
    fds = array.array("i")
    data, ancillary, flags, _ = sock.recvmsg(
        MAX_MESSAGE, socket.CMSG_SPACE(MAX_FDS * fds.itemsize), socket.MSG_CMSG_CLOEXEC
    )
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
    return data, list(fds), flags


def _decode(data: bytes) -> dict[str, Any]:
    try:
        message = json.loads(data)
    except ValueError as exc:  # includes UnicodeDecodeError
        raise RequestError(f"request is not JSON: {exc}") from None
    if not isinstance(message, dict):
        raise RequestError("request is not a JSON object")
    return message


def _page_out(ranges: object) -> dict[str, Any]:
    """Page out these ranges of our own memory; the answer."""
    if (
        not isinstance(ranges, list)
        or len(ranges) > MAX_RANGES
        or not all(
            isinstance(pair, list) and len(pair) == 2 and all(type(n) is int and n >= 0 for n in pair) for pair in ranges
        )
    ):
        raise RequestError(f'"page_out" must be a list of at most {MAX_RANGES} [start, length] pairs')
    done, answer = 0, {}
    for start, length in ranges:
        try:
            page_out(start, length)
            done += 1
        except OSError as exc:
            answer.setdefault("error", f"madvise({start:#x}, {length}): {exc.strerror}")
    return {"paged_out": done, **answer}


def _parse(message: dict[str, Any], fds: list[int], listen_count: int) -> Request:
    argv, env, names = message.get("argv"), message.get("env"), message.get("fds")
    if not isinstance(argv, list) or not argv or not all(isinstance(arg, str) and "\0" not in arg for arg in argv):
        raise RequestError('"argv" must be a non-empty list of strings')
    if not isinstance(env, list) or not all(_is_variable(entry) for entry in env):
        raise RequestError('"env" must be a list of ["NAME", "value"] pairs')
    if not isinstance(names, list) or len(names) != len(fds):
        raise RequestError(f'"fds" must name the {len(fds)} fd(s) sent')
    if "stderr" not in names or any(names.count(name) != 1 or name not in FD_NAMES for name in names):
        raise RequestError(f'"fds" must name each fd once among {", ".join(FD_NAMES)}, "stderr" included')
    environ = dict(env)
    targets = {"stderr": 2, "probe": 3 + listen_count}
    if "heartbeat" in names:
        value = environ.get("DROVER_HEARTBEAT_FD", "")
        if not value.isdigit() or int(value) < 3 + listen_count + ("probe" in names):
            raise RequestError(f"a heartbeat fd needs DROVER_HEARTBEAT_FD after the sockets, got {value!r}")
        targets["heartbeat"] = int(value)
    return Request(argv, environ, [(fd, targets[name]) for fd, name in zip(fds, names)])


def _is_variable(entry: object) -> bool:
    if not isinstance(entry, list) or len(entry) != 2 or not all(isinstance(part, str) for part in entry):
        return False
    name, value = entry
    return bool(name) and "=" not in name and "\0" not in name + value


def _fork(template: Template, request: Request) -> list[str] | None:
    """Fork a worker for the request: None in the template (answered), the argv in the worker.

    The helper passes its answer back through a pipe and the template sends it once the helper is
    reaped: when droverd reads the pid, the worker is already its child.
    """
    if not template.warned:
        threads = [t.name for t in threading.enumerate() if t is not threading.main_thread() and t.is_alive()]
        if threads:
            template.warned = True
            print(
                f"drover-worker template: threads alive at fork time: {', '.join(threads)}; "
                "forked workers do not inherit them (see preload in the docs)",
                file=sys.stderr,
            )
    _flush()
    reader, writer = os.pipe()
    try:
        helper = _os_fork()
    except OSError as exc:
        _close([reader, writer])
        raise RequestError(f"fork: {exc.strerror or exc}") from None
    if helper == 0:
        return _helper(template, request, reader, writer)
    os.close(writer)
    try:
        _, status = os.waitpid(helper, 0)
    except ChildProcessError:
        status = -1
    try:
        answer = os.read(reader, PIPE_BUF)  # written in one piece before the helper exited
    finally:
        os.close(reader)
    if not answer:
        answer = json.dumps({"error": f"the fork helper ended before answering (wait status {status})"}).encode()
    template.sock.send(answer)
    return None


def _helper(template: Template, request: Request, reader: int, writer: int) -> list[str]:
    """In the helper: fork the worker, write its pid (or the error) to WRITER and exit; in the worker: become it."""
    helper, pid, answer = os.getpid(), -1, None
    try:
        os.close(reader)
        pid = _os_fork()
        if pid > 0:
            try:
                os.setpgid(pid, pid)  # before droverd knows the pid: it may signal the group at once
            except OSError:
                pass  # the worker does it too
            answer = {"pid": pid}
    except OSError as exc:
        if pid < 0:
            answer = {"error": f"fork: {exc.strerror or exc}"}
    except BaseException:  # noqa: B036  (whatever happens, the helper must not return to the template's loop)
        pass
    finally:
        if pid != 0:
            try:
                if answer is not None:
                    os.write(writer, json.dumps(answer).encode())
            finally:
                os._exit(0)
    return _become_worker(template, request, helper, writer)


def _become_worker(template: Template, request: Request, helper: int, writer: int) -> list[str]:
    try:
        os.close(writer)
        os.setpgid(0, 0)
        deadline = time.monotonic() + REPARENT_TIMEOUT
        while os.getppid() == helper:
            if time.monotonic() > deadline:
                os._exit(1)
            time.sleep(0.0002)
        set_parent_death_signal(signal.SIGKILL)
        if os.getppid() != template.supervisor:
            os._exit(1)  # droverd is gone: nobody would supervise us
        template.sock.close()
        move_fds(request.moves)
        replace_environ(request.env)
        reset_signals(template.signals)
        set_process_name(template.name)
        gc.enable()
    except BaseException as exc:  # noqa: B036  (never back into the template's loop)
        try:
            os.write(2, f"drover-worker: forked worker {os.getpid()} cannot start: {exc!r}\n".encode())
        finally:
            os._exit(1)
    sys.argv = list(request.argv)
    return sys.argv


def _os_fork() -> int:
    with warnings.catch_warnings():  # Python 3.12+ warns about threads; we did, once
        warnings.simplefilter("ignore", DeprecationWarning)
        return os.fork()


def _answer(sock: socket.socket, message: dict[str, Any]) -> None:
    sock.send(json.dumps(message).encode())


def _close(fds: list[int]) -> None:
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
