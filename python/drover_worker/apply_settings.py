"""The worker's Gunicorn settings put to work: SSL extras, process setup, request limits, access lines.

Each function takes the parsed arguments (gunicorn_flags.py adds the flags) and is
called by worker.run() at its moment.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import ssl
import sys
from typing import Any

from .access import DEFAULT_FORMAT, AccessLogMiddleware
from .limits import Limits, limited_protocol
from .logs import access_logger
from .notify import Notifier
from .process import Owner, add_python_path, set_proc_name
from .retire import retiring_protocol

logger = logging.getLogger("uvicorn.error")

_SSL_EXTRAS = (
    ("ssl_ca_certs", "--ssl-ca-certs"),
    ("ssl_cert_reqs", "--ssl-cert-reqs"),
    ("ssl_ciphers", "--ssl-ciphers"),
    ("ssl_version", "--ssl-version"),
)


def ssl_extras(args: argparse.Namespace) -> tuple[dict[str, Any], str | None]:
    """uvicorn.Config keyword arguments for the SSL flags given, and a one-line error if one is unusable.

    Without --ssl-certfile they do nothing (as in Gunicorn) and a warning says so.
    """
    given = {name: getattr(args, name) for name, _ in _SSL_EXTRAS if getattr(args, name) is not None}
    if not given:
        return {}, None
    if args.ssl_certfile is None:
        flags = ", ".join(flag for name, flag in _SSL_EXTRAS if name in given)
        logger.warning("%s: ignored without --ssl-certfile and --ssl-keyfile", flags)
        return {}, None
    version = given.get("ssl_version", ssl.PROTOCOL_TLS_SERVER)
    try:
        context = ssl.SSLContext(version)
    except (ValueError, OSError) as exc:
        return given, f"--ssl-version {version}: {exc}"
    if version == ssl.PROTOCOL_TLS_CLIENT:
        return given, f"--ssl-version {version}: ssl.PROTOCOL_TLS_CLIENT is for clients, not servers"
    if "ssl_ca_certs" in given:
        try:
            context.load_verify_locations(given["ssl_ca_certs"])
        except (OSError, ValueError) as exc:
            return given, f"--ssl-ca-certs {given['ssl_ca_certs']}: {getattr(exc, 'strerror', None) or exc}"
    if "ssl_ciphers" in given:
        try:
            context.set_ciphers(given["ssl_ciphers"])
        except ssl.SSLError as exc:
            reason = getattr(exc, "reason", None) or (exc.args[-1] if exc.args else exc)
            return given, f"--ssl-ciphers {given['ssl_ciphers']}: {reason}"
    return given, None


def apply_python_path(args: argparse.Namespace) -> None:
    """--pythonpath: its directories first on sys.path, after the app directory (as Gunicorn's chdir does)."""
    if args.pythonpath:
        app_dir = os.path.abspath(args.app_dir)
        if app_dir not in sys.path:
            sys.path.insert(0, app_dir)  # Gunicorn's chdir puts it there before its pythonpath
        add_python_path(args.pythonpath)


def prepare_process(args: argparse.Namespace, notifier: Notifier) -> str | None:
    """--proc-name, --pythonpath, then the privilege drop; a one-line error if the drop fails."""
    if args.proc_name is not None and not set_proc_name(f"drover-worker: worker [{args.proc_name}]"):
        logger.debug("--proc-name %s: setproctitle is not installed; the process title stays", args.proc_name)
    apply_python_path(args)
    if args.umask is not None:
        logger.debug(
            "--umask %#o: as in Gunicorn, only for files droverd creates; the worker's umask stays", args.umask
        )
    owner = Owner(uid=args.uid, gid=args.gid, initgroups=args.initgroups)
    if not owner.changes:
        return None
    notifier.connect()  # a path socket may not be writable by the new user: connect while we still can
    if args.access_logfile not in ("-", ""):
        try:  # as Gunicorn: so that the new user can reopen it on SIGUSR1
            os.chown(args.access_logfile, -1 if args.uid is None else args.uid, -1 if args.gid is None else args.gid)
        except OSError:
            pass
    try:
        owner.apply()
    except OSError as exc:
        who = " ".join(f"{flag} {value}" for flag, value in (("--user", args.user), ("--group", args.group)) if value)
        return f"{who}: cannot switch: {exc.strerror or exc}"
    return None


def http_protocol(args: argparse.Namespace) -> Any:
    """--http as a protocol class for uvicorn.Config: Uvicorn's (auto picks httptools if installed), with the
    request limits if given, answering every pipelined request on a retirement (retire.retiring_protocol)."""
    limits = Limits.from_flags(args.limit_request_line, args.limit_request_fields, args.limit_request_field_size)
    if limits is not None:
        return retiring_protocol(limited_protocol(args.http, limits))
    if args.http == "httptools" or (args.http == "auto" and importlib.util.find_spec("httptools") is not None):
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        return retiring_protocol(HttpToolsProtocol)
    from uvicorn.protocols.http.h11_impl import H11Protocol

    return retiring_protocol(H11Protocol)


def with_access_log(app: Any, args: argparse.Namespace) -> Any:
    """Wrap the app in the AccessLogMiddleware when access lines go somewhere (text format)."""
    target = access_logger(args.log_format)
    if target is None:
        return app
    return AccessLogMiddleware(app, target, args.access_logformat or DEFAULT_FORMAT)
