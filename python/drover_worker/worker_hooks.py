"""Gunicorn's worker-side hooks inside the launcher (``--gunicorn-config FILE --worker-hooks LIST``).

Only with --worker-hooks does the launcher run FILE (stdout discarded) to take the hooks;
it then calls them where Gunicorn's workers do:

* post_fork(server, worker): right at start, before the app is imported;
* post_worker_init(worker): once the app is imported;
* worker_int(worker): on the first SIGINT (quick stop), from the signal handler;
* worker_abort(worker): on SIGABRT (droverd's timeout kill), after faulthandler's stack
  dump, before the process dies by the signal;
* worker_exit(server, worker): when the process exits by itself (atexit) or after
  worker_abort; not when it is killed (SIGKILL, or a signal left at its default).

A post_fork or post_worker_init that raises fails the boot (exit 3, as Gunicorn's
WORKER_BOOT_ERROR); the other hooks' exceptions are only logged.
"""

from __future__ import annotations

import argparse
import atexit
import faulthandler
import os
import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

from .gunicorn_config import ConfigFileError, execute, hooks_of, put_cwd_on_path
from .gunicorn_objects import Cfg, GunicornLogger, Server, Worker, call_hook
from .gunicorn_settings import SETTINGS, WORKER_HOOKS

EXIT_USAGE = 2
EXIT_STARTUP = 3


def hook_list(value: str) -> list[str]:
    """argparse type for --worker-hooks: comma-separated names among WORKER_HOOKS."""
    names = [name.strip() for name in value.split(",") if name.strip()]
    for name in names:
        if name not in WORKER_HOOKS:
            raise argparse.ArgumentTypeError(
                f"{name!r} is not a worker-side Gunicorn hook (expected {', '.join(WORKER_HOOKS)})"
            )
    return names


class HookFailure(Exception):
    """The hooks cannot be set up, or post_fork failed: a one-line message and an exit status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class WorkerHooks:
    """The hooks named by --worker-hooks, with the server and worker objects they receive."""

    def __init__(
        self, path: str = "", hooks: dict[str, Callable[..., Any]] | None = None, settings: dict[str, Any] | None = None
    ) -> None:
        self.path = path
        self.hooks = hooks or {}
        self._exited = False
        if not self.hooks:
            return  # nothing to call: no objects to build
        self.cfg = Cfg(settings, self.hooks)
        self.log = GunicornLogger(self.cfg)
        self.server = Server(pid=os.getppid(), cfg=self.cfg, log=self.log)
        age = os.environ.get("DROVER_WORKER_AGE", "0")
        self.worker = Worker(
            pid=os.getpid(), ppid=os.getppid(), age=int(age) if age.isdigit() else 0, cfg=self.cfg, log=self.log
        )

    @classmethod
    def start(cls, config_file: str | None, names: list[str] | None) -> WorkerHooks:
        """Load the hooks NAMES from CONFIG_FILE and call post_fork; HookFailure if that fails."""
        if not names:
            return cls()
        if config_file is None:
            raise HookFailure("--worker-hooks needs --gunicorn-config FILE", EXIT_USAGE)
        put_cwd_on_path()
        try:
            namespace = execute(config_file, discard_stdout=True, warn_extension=False)
            hooks = hooks_of(config_file, namespace)
        except ConfigFileError as exc:
            print(exc.traceback, end="", file=sys.stderr)
            raise HookFailure(f"--gunicorn-config {exc.message}", EXIT_STARTUP) from None
        settings = {name: value for name, value in namespace.items() if name in SETTINGS and name not in hooks}
        self = cls(config_file, {name: hooks[name] for name in names if name in hooks}, settings)
        atexit.register(self.worker_exit)  # Gunicorn calls worker_exit however the boot ends
        if "worker_abort" in self.hooks:
            self._install_abort_handler()
        if (error := self._call("post_fork", self.server, self.worker)) is not None:
            raise HookFailure(f"{error} (in {config_file})", EXIT_STARTUP)
        return self

    def _call(self, name: str, *args: Any) -> str | None:
        if name not in self.hooks:
            return None
        return call_hook(self.cfg, name, *args, log=self.log)

    def post_worker_init(self) -> str | None:
        """Call post_worker_init(worker); a one-line message if it raised (the boot fails)."""
        if not self.hooks:
            return None
        error = self._call("post_worker_init", self.worker)
        if error is not None:
            return f"{error} (in {self.path})"
        self.worker.booted = True
        return None

    def worker_int(self) -> None:
        """Call worker_int(worker): the quick stop (SIGINT) began."""
        if not self.hooks:
            return
        self.worker.alive = False
        self._call("worker_int", self.worker)

    def worker_exit(self) -> None:
        """Call worker_exit(server, worker), once."""
        if self._exited or not self.hooks:
            return
        self._exited = True
        self.worker.alive = False
        self._call("worker_exit", self.server, self.worker)

    def _install_abort_handler(self) -> None:
        # faulthandler calls the handler that was in place before it was enabled once its dump is
        # written: put ours there, so that the dump comes first even if the loop is blocked.
        enabled = faulthandler.is_enabled()
        faulthandler.disable()
        signal.signal(signal.SIGABRT, self._on_abort)
        if enabled:
            faulthandler.enable(file=sys.stderr, all_threads=True)

    def _on_abort(self, sig: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGABRT, signal.SIG_DFL)
        self.worker.alive = False
        self.worker.aborted = True
        self._call("worker_abort", self.worker)
        self.worker_exit()
        sys.stderr.flush()
        signal.raise_signal(signal.SIGABRT)  # die by the signal, as without the hook
