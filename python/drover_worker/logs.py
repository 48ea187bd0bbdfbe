"""Logging setup: the access log target, text or JSON lines, and the reopenable access file.

We hand uvicorn.Config a ``log_config`` built from uvicorn's own LOGGING_CONFIG,
so the text format stays exactly Uvicorn's.  Changes:

* the access handler writes to stdout (``-``), to a file opened in append mode
  (AccessFileHandler, which SIGUSR1 reopens for logrotate's rename + USR1), or
  nowhere (``""``: uvicorn's access_log=False);
* ``json`` swaps both formatters for one-JSON-object-per-line formatters;
* force_access_level(): the access logger stays at INFO whatever --log-level says,
  as in the Gunicorn-based image Drover replaces (uvicorn.Config sets it to the
  log level, so this must run after the Config is built).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import time
from typing import IO, Any

import uvicorn.config

ACCESS_LOGGER = "uvicorn.access"
STDOUT = "-"
LOG_FORMATS = ("text", "json")


def open_access_log(path: str) -> IO[str]:
    """Open (creating it if needed) the access log file in append mode; OSError if we cannot."""
    return open(path, "a", encoding="utf-8")


class AccessFileHandler(logging.StreamHandler):
    """A StreamHandler on an append-mode file that reopen() swaps for a fresh open of the same path."""

    def __init__(self, path: str, stream: IO[str] | None = None) -> None:
        super().__init__(stream if stream is not None else open_access_log(path))
        self.path = path

    def reopen(self) -> None:
        """Open the path again and switch to it; on OSError keep writing to the old file and raise."""
        fresh = open_access_log(self.path)
        self.acquire()
        try:
            old, self.stream = self.stream, fresh
        finally:
            self.release()
        old.close()  # StreamHandler flushes after every record: nothing is pending

    def close(self) -> None:
        self.acquire()
        try:
            if not self.stream.closed:
                self.stream.close()
        finally:
            self.release()
        super().close()


def _utc_timestamp(record: logging.LogRecord) -> str:
    """ISO-8601 UTC with milliseconds and Z, e.g. 2025-01-31T12:00:00.123Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"


def _base(record: logging.LogRecord) -> dict[str, Any]:
    return {
        "time": _utc_timestamp(record),
        "level": record.levelname.lower(),
        "logger": record.name,
        "pid": record.process if record.process is not None else os.getpid(),
    }


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, pid, message (+ exception)."""

    def format(self, record: logging.LogRecord) -> str:
        data = _base(record)
        data["message"] = record.getMessage()
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            data["stack"] = self.formatStack(record.stack_info)
        return json.dumps(data)


class JsonAccessFormatter(JsonFormatter):
    """Uvicorn's access records carry (client_addr, method, full_path, http_version, status_code) as args."""

    def format(self, record: logging.LogRecord) -> str:
        args = record.args
        if not (isinstance(args, tuple) and len(args) == 5):
            return super().format(record)  # not one of uvicorn's request lines
        client, method, path, http_version, status = args
        data = _base(record)
        data.update(client=client, method=method, path=path, http_version=http_version, status=int(status))
        return json.dumps(data)


def log_config(*, access_target: str, log_format: str, access_stream: IO[str] | None = None) -> dict[str, Any]:
    """The dictConfig for uvicorn.Config(log_config=...).

    access_target is ``-`` (stdout), ``""`` (no access log: pass access_log=False
    to uvicorn as well) or a file path, in which case access_stream is that file
    already opened by open_access_log() (so that the caller reports open errors).
    """
    default = uvicorn.config.LOGGING_CONFIG
    formatters: dict[str, Any] = {name: dict(spec) for name, spec in default["formatters"].items()}
    handlers: dict[str, Any] = {name: dict(spec) for name, spec in default["handlers"].items()}
    loggers: dict[str, Any] = {name: dict(spec) for name, spec in default["loggers"].items()}

    if log_format == "json":
        formatters["default"] = {"()": JsonFormatter}
        formatters["access"] = {"()": JsonAccessFormatter}
    if access_target not in (STDOUT, ""):
        if log_format == "text":
            formatters["access"]["use_colors"] = False  # a file is never a terminal
        # A factory, not keyword arguments: dictConfig would rewrite a path starting with ext:// or cfg://.
        factory = functools.partial(AccessFileHandler, access_target, access_stream)
        handlers["access"] = {"()": factory, "formatter": "access"}
    return {**default, "formatters": formatters, "handlers": handlers, "loggers": loggers}


def force_access_level() -> None:
    """Keep the access logger at INFO whatever --log-level is (call after uvicorn.Config())."""
    logging.getLogger(ACCESS_LOGGER).setLevel(logging.INFO)


def access_file_handler() -> AccessFileHandler | None:
    """The access log file handler installed by log_config(), if the access log goes to a file."""
    for handler in logging.getLogger(ACCESS_LOGGER).handlers:
        if isinstance(handler, AccessFileHandler):
            return handler
    return None
