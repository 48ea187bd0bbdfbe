"""Logging setup: Gunicorn's formats (or JSON lines), the access log target, Gunicorn's log configs.

The loggers are arranged as under Gunicorn with Uvicorn's worker class:

* ``gunicorn.error`` writes to stderr, at --log-level, in Gunicorn's error format
  ``[%Y-%m-%d %H:%M:%S %z] [PID] [LEVEL] message``;
* ``gunicorn.access`` writes to the access target (``-`` stdout, a file appended to and
  reopened on SIGUSR1, or nowhere for ``""``), always at INFO, format ``%(message)s``;
* a Gunicorn log config (--log-config FILE for fileConfig, --log-config-json FILE and
  --log-config-dict JSON for dictConfig on top of Gunicorn's CONFIG_DEFAULTS) is applied
  after that, as Gunicorn does;
* then, as UvicornWorker does, ``uvicorn.error`` (and its parent ``uvicorn``) take
  gunicorn.error's handlers and level, with propagation off.

Access lines: in text format the AccessLogMiddleware (access.py) writes Gunicorn's
access_log_format lines to ``gunicorn.access`` and Uvicorn's own access logger has no
handlers; in JSON format Uvicorn's access logger takes gunicorn.access's handlers and
writes one JSON object per request, as before.

uvicorn.Config() resets some of this (levels, and the access logger's handlers when
access_log is False): call attach_uvicorn_loggers() again after building it.
"""

from __future__ import annotations

import copy
import json
import logging
import logging.config
import os
import sys
import time
from typing import IO, Any

ERROR_LOGGER = "gunicorn.error"
ACCESS_LOGGER = "gunicorn.access"
UVICORN_ERROR = "uvicorn.error"
UVICORN_ACCESS = "uvicorn.access"
STDOUT = "-"
LOG_FORMATS = ("text", "json")
TRACE = 5  # Uvicorn's extra level

ERROR_FORMAT = "%(asctime)s [%(process)d] [%(levelname)s] %(message)s"  # Gunicorn's Logger.error_fmt
DATE_FORMAT = "[%Y-%m-%d %H:%M:%S %z]"  # Gunicorn's Logger.datefmt
ACCESS_FORMAT = "%(message)s"  # Gunicorn's Logger.access_fmt

# gunicorn.glogging.CONFIG_DEFAULTS (Gunicorn 27): what a log config is applied on top of.
CONFIG_DEFAULTS: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {
            "level": "INFO",
            "handlers": ["error_console"],
            "propagate": True,
            "qualname": "gunicorn.error",
        },
        "gunicorn.access": {
            "level": "INFO",
            "handlers": ["console"],
            "propagate": True,
            "qualname": "gunicorn.access",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "generic", "stream": "ext://sys.stdout"},
        "error_console": {"class": "logging.StreamHandler", "formatter": "generic", "stream": "ext://sys.stderr"},
    },
    "formatters": {
        "generic": {"format": ERROR_FORMAT, "datefmt": DATE_FORMAT, "class": "logging.Formatter"},
    },
}

LEVELS = {
    "critical": logging.CRITICAL,
    "error": logging.ERROR,
    "warning": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
    "trace": TRACE,
}


class LogConfigError(Exception):
    """A log config that cannot be applied; the message names the option and the reason."""


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


def _apply_log_config(*, log_config_file: str | None, log_config_json: str | None, log_config_dict: str | None) -> None:
    """Gunicorn's Logger.setup(): logconfig_dict, else logconfig_json, else logconfig (first one given wins)."""
    if log_config_dict is not None:
        option = "--log-config-dict"
        try:
            user = json.loads(log_config_dict)
        except json.JSONDecodeError as exc:
            raise LogConfigError(f"{option}: not JSON: {exc}") from None
        if not isinstance(user, dict):
            raise LogConfigError(f"{option}: expected a JSON object, got {type(user).__name__}")
    elif log_config_json is not None:
        option = f"--log-config-json {log_config_json}"
        if not os.path.exists(log_config_json):
            # Gunicorn skips a missing JSON log config without a word; we say it once.
            logging.getLogger(ERROR_LOGGER).warning("%s: no such file; log config not applied", option)
            return
        try:
            with open(log_config_json, encoding="utf-8") as file:
                user = json.load(file)
        except (OSError, json.JSONDecodeError) as exc:
            raise LogConfigError(f"{option}: {getattr(exc, 'strerror', None) or exc}") from None
        if not isinstance(user, dict):
            raise LogConfigError(f"{option}: expected a JSON object, got {type(user).__name__}")
    elif log_config_file is not None:
        option = f"--log-config {log_config_file}"
        if not os.path.exists(log_config_file):
            raise LogConfigError(f"{option}: Error: log config '{log_config_file}' not found")
        defaults = copy.deepcopy(CONFIG_DEFAULTS)
        defaults["__file__"] = log_config_file
        defaults["here"] = os.path.dirname(log_config_file)
        try:
            logging.config.fileConfig(log_config_file, defaults=defaults, disable_existing_loggers=False)
        except Exception as exc:  # configparser, KeyError for a missing section, ImportError, ...
            raise LogConfigError(f"{option}: {type(exc).__name__}: {exc}") from None
        return
    else:
        return
    config = copy.deepcopy(CONFIG_DEFAULTS)
    config.update(user)  # a shallow update, as Gunicorn's: a user "loggers" replaces the default one
    try:
        logging.config.dictConfig(config)
    except (AttributeError, ImportError, ValueError, TypeError, KeyError) as exc:
        cause = f" ({type(exc.__cause__).__name__}: {exc.__cause__})" if exc.__cause__ is not None else ""
        raise LogConfigError(f"{option}: {exc}{cause}") from None


def setup_logging(
    *,
    log_format: str,
    log_level: str,
    access_target: str,
    access_stream: IO[str] | None = None,
    log_config_file: str | None = None,
    log_config_json: str | None = None,
    log_config_dict: str | None = None,
) -> None:
    """Install the error and access handlers, then the Gunicorn log config if any (LogConfigError if it fails).

    access_target is ``-`` (stdout), ``""`` (no access log) or a file path, in which
    case access_stream is that file already opened by open_access_log() (so that the
    caller reports open errors).
    """
    logging.addLevelName(TRACE, "TRACE")
    if log_format == "json":
        error_formatter: logging.Formatter = JsonFormatter()
        access_formatter: logging.Formatter = JsonAccessFormatter()
    else:
        error_formatter = logging.Formatter(ERROR_FORMAT, DATE_FORMAT)
        access_formatter = logging.Formatter(ACCESS_FORMAT)

    error_handler = logging.StreamHandler(sys.stderr)
    error_handler.setFormatter(error_formatter)
    error_log = logging.getLogger(ERROR_LOGGER)
    error_log.handlers = [error_handler]
    error_log.setLevel(LEVELS[log_level])
    error_log.propagate = False

    access_log = logging.getLogger(ACCESS_LOGGER)
    access_log.handlers = []
    access_log.setLevel(logging.INFO)  # whatever --log-level says, as Gunicorn
    access_log.propagate = False
    if access_target != "":
        if access_target == STDOUT:
            access_handler: logging.Handler = logging.StreamHandler(sys.stdout)
        else:
            access_handler = AccessFileHandler(access_target, access_stream)
        access_handler.setFormatter(access_formatter)
        access_log.addHandler(access_handler)

    _apply_log_config(log_config_file=log_config_file, log_config_json=log_config_json, log_config_dict=log_config_dict)
    attach_uvicorn_loggers(log_format)


def attach_uvicorn_loggers(log_format: str) -> None:
    """Give Uvicorn's loggers Gunicorn's handlers and levels, as UvicornWorker does.

    Call it again after uvicorn.Config(), which resets them."""
    error_log = logging.getLogger(ERROR_LOGGER)
    access_log = logging.getLogger(ACCESS_LOGGER)
    # The access lines are written here once; CONFIG_DEFAULTS would also pass them on to the root logger.
    access_log.propagate = False
    for name in ("uvicorn", UVICORN_ERROR):
        logger = logging.getLogger(name)
        logger.handlers = list(error_log.handlers)
        logger.setLevel(error_log.level)
        logger.propagate = False
    uvicorn_access = logging.getLogger(UVICORN_ACCESS)
    # Text: the AccessLogMiddleware writes the lines; Uvicorn's protocols log only if this logger has handlers.
    uvicorn_access.handlers = list(access_log.handlers) if log_format == "json" else []
    uvicorn_access.setLevel(access_log.level)
    uvicorn_access.propagate = False


def access_logger(log_format: str) -> logging.Logger | None:
    """The logger the AccessLogMiddleware writes to, or None when access lines would go nowhere (or JSON format)."""
    if log_format == "json":
        return None
    logger = logging.getLogger(ACCESS_LOGGER)
    if not (logger.isEnabledFor(logging.INFO) and logger.hasHandlers()):
        return None
    return logger


def access_file_handler() -> AccessFileHandler | None:
    """The access log file handler installed by setup_logging(), if the access log goes to a file."""
    for name in (ACCESS_LOGGER, UVICORN_ACCESS):
        for handler in logging.getLogger(name).handlers:
            if isinstance(handler, AccessFileHandler):
                return handler
    return None


def reopen_log_files() -> list[str]:
    """Reopen every logging.FileHandler of every logger (those of a log config), as Gunicorn's
    reopen_files() on SIGUSR1; the paths reopened.  OSError from a handler that cannot reopen."""
    reopened = []
    handlers = {
        id(h): h
        for lg in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
        if isinstance(lg, logging.Logger)
        for h in lg.handlers
    }
    for handler in handlers.values():
        if isinstance(handler, logging.FileHandler) and handler.stream:
            handler.acquire()
            try:
                handler.close()
                handler.stream = handler._open()
            finally:
                handler.release()
            reopened.append(handler.baseFilename)
    return reopened
