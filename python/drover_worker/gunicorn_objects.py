"""The objects Gunicorn hooks receive: ``server`` (the arbiter), ``worker``, their ``cfg`` and ``log``.

They offer what real config files use (``server.log.info(...)``, ``worker.pid``,
``server.cfg.workers``, ``server.cfg.bind``, ...), not Gunicorn's machinery: the hook
runner (master-side hooks) and the launcher (worker-side hooks) build them from what
droverd tells them and from the config file.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from .gunicorn_settings import SETTINGS, default_value, normalise

LOG_LEVELS = {
    "critical": logging.CRITICAL,
    "error": logging.ERROR,
    "warning": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
}
ERROR_FORMAT = "%(asctime)s [%(process)d] [%(levelname)s] %(message)s"  # gunicorn.glogging.Logger's
DATE_FORMAT = "[%Y-%m-%d %H:%M:%S %z]"


def _default_hook(*args: Any, **kwargs: Any) -> None:
    """Gunicorn's default for every hook: do nothing."""


class Setting:
    """One entry of ``cfg.settings``: ``.name``, ``.value`` and ``.get()`` as in Gunicorn."""

    def __init__(self, name: str, value: Any) -> None:
        self.name = name
        self.value = value
        self.section = None

    def get(self) -> Any:
        return self.value

    def __repr__(self) -> str:
        return f"<Setting {self.name} = {self.value!r}>"


class Cfg:
    """Gunicorn's Config as hooks read it: every setting by name, its default when not given.

    VALUES are the settings in force (Gunicorn names; converted as Gunicorn's validators
    do), HOOKS the config file's hooks (the others are no-ops).  ``set()`` changes this
    view only: droverd does not see it.
    """

    def __init__(
        self, values: Mapping[str, Any] | None = None, hooks: Mapping[str, Callable[..., Any]] | None = None
    ) -> None:
        given, hooks = dict(values or {}), hooks or {}
        settings = {}
        for name, (kind, _) in SETTINGS.items():
            if kind == "hook":
                value = hooks.get(name, _default_hook)
            elif name in given:
                value = normalise(name, given[name])
            else:
                value = default_value(name)
            settings[name] = Setting(name, value)
        object.__setattr__(self, "settings", settings)

    def __getattr__(self, name: str) -> Any:
        settings = self.__dict__.get("settings", {})
        if name not in settings:
            raise AttributeError(f"No configuration setting for: {name}")
        return settings[name].value

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.settings:
            raise AttributeError("Invalid access!")
        object.__setattr__(self, name, value)

    def set(self, name: str, value: Any) -> None:
        if name not in self.settings:
            raise AttributeError(f"No configuration setting for: {name}")
        self.settings[name].value = normalise(name, value)

    # Gunicorn's computed properties that configs read.

    @property
    def worker_class_str(self) -> str:
        uri = self.settings["worker_class"].value
        if isinstance(uri, str):
            if (uri.endswith("SyncWorker") or uri == "sync") and self.threads > 1:
                return "gthread"
            return uri
        return getattr(uri, "__name__", str(uri))

    @property
    def proc_name(self) -> str:
        name = self.settings["proc_name"].value
        return name if name is not None else self.settings["default_proc_name"].value

    @property
    def uid(self) -> Any:
        return self.settings["user"].value

    @property
    def gid(self) -> Any:
        return self.settings["group"].value

    @property
    def is_ssl(self) -> Any:
        return self.certfile or self.keyfile

    @property
    def ssl_options(self) -> dict[str, Any]:
        names = ("keyfile", "certfile", "ssl_version", "cert_reqs", "ca_certs", "suppress_ragged_eofs")
        return {name: self.settings[name].value for name in (*names, "do_handshake_on_connect", "ciphers")}

    @property
    def env(self) -> dict[str, str]:
        return dict(entry.split("=", 1) for entry in self.raw_env or () if "=" in entry)

    @property
    def sendfile(self) -> bool:
        if self.settings["sendfile"].value is not None:
            return False
        return os.environ.get("SENDFILE", "y").lower() in ("y", "1", "yes", "true")

    def __str__(self) -> str:
        width = max(len(name) for name in self.settings)
        lines = []
        for name in sorted(self.settings):
            value = self.settings[name].value
            if callable(value):
                value = f"<{value.__qualname__}()>"
            lines.append(f"{name:{width}} = {value}")
        return "\n".join(lines)


class GunicornLogger:
    """``server.log`` / ``worker.log``: Gunicorn's Logger methods, lines in Gunicorn's error format.

    Records go through the ``gunicorn.error`` logger to cfg.errorlog: ``-`` is stderr, a
    path is appended to (stderr if it cannot be opened), None means no handler (Python
    then prints warnings and worse on stderr, as under Gunicorn).
    """

    def __init__(self, cfg: Cfg | None = None) -> None:
        self.error_log = logging.getLogger("gunicorn.error")
        self.error_log.propagate = False
        self.access_log = logging.getLogger("gunicorn.access")
        self.access_log.propagate = False
        self.loglevel = logging.INFO
        self.cfg = cfg
        self.setup(cfg if cfg is not None else Cfg())

    def setup(self, cfg: Cfg) -> None:
        """(Re)configure from cfg: level from cfg.loglevel, handler from cfg.errorlog."""
        self.cfg = cfg
        loglevel = cfg.loglevel if isinstance(cfg.loglevel, str) else "info"
        self.loglevel = LOG_LEVELS.get(loglevel.lower(), logging.INFO)
        self.error_log.setLevel(self.loglevel)
        for handler in list(self.error_log.handlers):
            if getattr(handler, "_drover", False):
                self.error_log.removeHandler(handler)
                if handler.stream is not sys.stderr:
                    handler.close()
        target = cfg.errorlog
        if target is None:
            return
        handler: logging.StreamHandler = logging.StreamHandler(sys.stderr)
        if target != "-":
            try:
                handler = logging.FileHandler(target, mode="a", encoding="utf-8")
            except OSError as exc:
                print(f"drover-worker: errorlog {target}: {exc.strerror or exc}; logging to stderr", file=sys.stderr)
        handler._drover = True  # type: ignore[attr-defined]
        handler.setFormatter(logging.Formatter(ERROR_FORMAT, DATE_FORMAT))
        self.error_log.addHandler(handler)

    def critical(self, msg: object, *args: Any, **kwargs: Any) -> None:
        self.error_log.critical(msg, *args, **kwargs)

    def error(self, msg: object, *args: Any, **kwargs: Any) -> None:
        self.error_log.error(msg, *args, **kwargs)

    def warning(self, msg: object, *args: Any, **kwargs: Any) -> None:
        self.error_log.warning(msg, *args, **kwargs)

    warn = warning

    def info(self, msg: object, *args: Any, **kwargs: Any) -> None:
        self.error_log.info(msg, *args, **kwargs)

    def debug(self, msg: object, *args: Any, **kwargs: Any) -> None:
        self.error_log.debug(msg, *args, **kwargs)

    def exception(self, msg: object, *args: Any, **kwargs: Any) -> None:
        self.error_log.exception(msg, *args, **kwargs)

    def log(self, lvl: int | str, msg: object, *args: Any, **kwargs: Any) -> None:
        if isinstance(lvl, str):
            lvl = LOG_LEVELS.get(lvl.lower(), logging.INFO)
        self.error_log.log(lvl, msg, *args, **kwargs)

    def access(self, *args: Any, **kwargs: Any) -> None:
        """Access lines are the workers' business."""

    def reopen_files(self) -> None:
        """Nothing to reopen here."""

    def close_on_exec(self) -> None:
        """Nothing to do: our files are opened close-on-exec."""


class Server:
    """The arbiter as hooks see it (``server`` / ``arbiter``)."""

    def __init__(
        self,
        *,
        pid: int,
        cfg: Cfg,
        log: GunicornLogger,
        num_workers: int | None = None,
        proc_name: str | None = None,
        workers: Mapping[int, Worker] | None = None,
    ) -> None:
        self.pid = pid
        self.cfg = cfg
        self.log = log
        self.num_workers = cfg.workers if num_workers is None else num_workers
        self.proc_name = proc_name if proc_name is not None else cfg.proc_name
        self.timeout = cfg.timeout
        self.WORKERS: dict[int, Worker] = dict(workers or {})
        self.LISTENERS: list[Any] = []
        self.app = None
        self.reexec_pid = 0
        self.master_pid = 0
        self.master_name = "Master"


class Worker:
    """A worker as hooks see it: ``pid``, ``age``, ``ppid``, ``cfg``, ``log``, ``alive``, ``booted``, ``aborted``.

    In the hook runner it also carries droverd's ``slot``, ``generation``, ``exit_status`` and
    ``exit_signal`` (child_exit); ``tmp`` is None (droverd watches workers another way).
    """

    def __init__(self, *, pid: Any, ppid: int, age: int, cfg: Cfg, log: GunicornLogger, **extra: Any) -> None:
        self.pid = pid
        self.ppid = ppid
        self.age = age
        self.cfg = cfg
        self.log = log
        self.alive = True
        self.booted = False
        self.aborted = False
        self.tmp = None
        self.sockets: list[Any] = []
        self.app = None
        self.timeout = cfg.timeout
        self.nr = 0
        self.max_requests = cfg.max_requests or sys.maxsize
        for name, value in extra.items():
            setattr(self, name, value)

    def notify(self) -> None:
        """Gunicorn's heartbeat: the launcher's own heartbeat does this job."""

    def __str__(self) -> str:
        return f"<Worker {self.pid}>"


def call_hook(cfg: Cfg, name: str, *args: Any, log: GunicornLogger) -> str | None:
    """Call cfg's hook NAME with ARGS; on an exception log the traceback and return ``name: Type: text``."""
    try:
        getattr(cfg, name)(*args)
    except (Exception, SystemExit) as exc:
        log.exception("Exception in %s hook", name)
        summary = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return f"{name}: {' '.join(summary.splitlines())}"
    return None
