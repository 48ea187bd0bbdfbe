"""The master-side hook runner: ``drover-worker --hook-runner FILE --channel-fd N``.

droverd starts it when FILE defines one of Gunicorn's master-side hooks (on_starting,
when_ready, on_reload, pre_fork, child_exit, nworkers_changed, on_exit).  It runs FILE
once (its stdout discarded: --read-config already showed it), then answers JSON lines on
fd N, one reply line per request, in order::

    {"id": 7, "hook": "child_exit", "server": {"pid": ..., "num_workers": ..., "proc_name": ...,
     "config": {...}}, "worker": {"pid": ..., "age": ..., ...}}      -> {"id": 7, "ok": true}
    {"id": 8, "hook": "nworkers_changed", "server": {...}, "new": 3, "old": 2}
    {"id": 9, "reload": true}                                        -> runs FILE again

A hook that raises is logged with its traceback (Gunicorn's format, stderr) and answered
``{"id": 7, "ok": false, "error": "child_exit: ValueError: boom"}``.  EOF on fd N ends the
runner with status 0; so do SIGTERM and SIGINT, once the current hook has returned.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

from .gunicorn_config import ConfigFileError, execute, fd_number, hooks_of, put_cwd_on_path, result_stream, write_all
from .gunicorn_objects import Cfg, GunicornLogger, Server, Worker, call_hook
from .gunicorn_settings import MASTER_HOOKS, SETTINGS

WORKER_HOOKS_ARGS = ("pre_fork", "child_exit")  # the hooks called with (server, worker)


class Stop(Exception):
    """SIGTERM/SIGINT while waiting for a request."""


def load(path: str) -> tuple[dict[str, Callable[..., Any]], dict[str, Any]]:
    """Run FILE (stdout discarded) and return its hooks and its other settings; ConfigFileError if it fails."""
    namespace = execute(path, discard_stdout=True, warn_extension=False)
    hooks = hooks_of(path, namespace)
    return hooks, {name: value for name, value in namespace.items() if name in SETTINGS and name not in hooks}


class HookRunner:
    """Answers droverd's requests with the hooks of one config file."""

    def __init__(self, path: str, hooks: dict[str, Callable[..., Any]], settings: dict[str, Any]) -> None:
        self.path = path
        self.hooks = hooks
        self.settings = settings  # the file's own, under what droverd sends
        self.log = GunicornLogger(Cfg(settings))
        self._config: Any = None
        self._in_hook = False
        self._stopping = False

    def handle(self, request: Any) -> dict[str, Any]:
        """One request → its reply (never raises for a bad request or a failing hook)."""
        if not isinstance(request, dict):
            return {"id": None, "ok": False, "error": "bad request: not a JSON object"}
        reply: dict[str, Any] = {"id": request.get("id"), "ok": True}
        if request.get("reload"):
            try:
                self.hooks, self.settings = load(self.path)
                self._config = None  # set the log up again at the next hook
            except ConfigFileError as exc:
                print(exc.traceback, end="", file=sys.stderr, flush=True)
                reply.update(ok=False, error=exc.message)
            return reply
        hook = request.get("hook")
        if hook not in MASTER_HOOKS:
            return {**reply, "ok": False, "error": f"unknown hook {hook!r}: expected one of {', '.join(MASTER_HOOKS)}"}
        server_info = request.get("server") or {}
        cfg = Cfg({**self.settings, **(server_info.get("config") or {})}, self.hooks)
        if server_info.get("config") != self._config:  # follow droverd's errorlog and loglevel
            self._config = server_info.get("config")
            self.log.setup(cfg)
        server = Server(
            pid=server_info.get("pid", os.getppid()),
            cfg=cfg,
            log=self.log,
            num_workers=server_info.get("num_workers"),
            proc_name=server_info.get("proc_name"),
        )
        if hook in WORKER_HOOKS_ARGS:
            args: tuple[Any, ...] = (server, self.worker(request.get("worker") or {}, server, hook))
        elif hook == "nworkers_changed":
            args = (server, request.get("new"), request.get("old"))
        else:
            args = (server,)
        error = call_hook(cfg, hook, *args, log=self.log)
        if error is not None:
            reply.update(ok=False, error=error)
        return reply

    def worker(self, info: dict[str, Any], server: Server, hook: str) -> Worker:
        extra = {key: info.get(key) for key in ("slot", "generation", "exit_status", "exit_signal")}
        worker = Worker(
            pid=info.get("pid"), ppid=server.pid, age=info.get("age", 0), cfg=server.cfg, log=self.log, **extra
        )
        worker.alive = hook != "child_exit"
        worker.aborted = extra["exit_signal"] in (signal.SIGABRT, "SIGABRT", "ABRT")
        return worker

    def _on_signal(self, sig: int, frame: FrameType | None) -> None:
        if self._in_hook:
            self._stopping = True  # finish the hook and answer it first
        else:
            raise Stop

    def serve(self, fd: int) -> int:
        """Answer requests on FD until EOF or a stop signal; the exit status (0)."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        reader = open(fd, "rb", closefd=False)  # noqa: SIM115 - lives as long as the runner
        try:
            while not self._stopping:
                line = reader.readline()
                if not line:
                    return 0
                if not line.strip():
                    continue
                self._in_hook = True
                try:
                    request = json.loads(line)
                except ValueError as exc:
                    reply: dict[str, Any] = {"id": None, "ok": False, "error": f"bad request: {exc}"}
                else:
                    reply = self.handle(request)
                try:
                    write_all(fd, (json.dumps(reply) + "\n").encode())
                except BrokenPipeError:
                    return 0  # droverd is gone
                finally:
                    self._in_hook = False
        except Stop:
            pass
        return 0


def main(argv: Sequence[str]) -> int:
    """``drover-worker --hook-runner FILE --channel-fd N``: 0 on EOF or a stop signal, 1 if FILE fails."""
    parser = argparse.ArgumentParser(
        prog="drover-worker --hook-runner", description="Run a Gunicorn config file's master-side hooks for droverd."
    )
    parser.add_argument("--hook-runner", required=True, metavar="FILE", help="the config file")
    parser.add_argument("--channel-fd", required=True, type=fd_number, metavar="N", help="droverd's socket")
    args = parser.parse_args(argv)
    fd = result_stream(parser, "--channel-fd", args.channel_fd)

    put_cwd_on_path()
    try:
        hooks, settings = load(args.hook_runner)
    except ConfigFileError as exc:
        print(exc.traceback, end="", file=sys.stderr)
        print(f"drover-worker: {exc.message}", file=sys.stderr, flush=True)
        return 1
    return HookRunner(args.hook_runner, hooks, settings).serve(fd)
