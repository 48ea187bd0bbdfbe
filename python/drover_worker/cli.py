"""Command-line parsing for drover-worker (argparse; bad arguments exit 2)."""

from __future__ import annotations

import argparse
import importlib.util
from collections.abc import Sequence

from . import __version__
from .gunicorn_modes import ModeOnly
from .gunicorn_modes import add_arguments as add_gunicorn_arguments
from .gunicorn_flags import add_arguments as add_setting_flags
from .gunicorn_flags import check as check_setting_flags
from .loader import parse_app_spec
from .logs import LOG_FORMATS, STDOUT

LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


def app_spec(value: str) -> str:
    """Validate APP as ``module:attribute`` or ``module:factory()`` (the attribute may be dotted)."""
    try:
        parse_app_spec(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def seconds(value: str) -> float:
    """A non-negative number of seconds."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not number >= 0 or number == float("inf"):
        raise argparse.ArgumentTypeError(f"seconds must be finite and >= 0, got {value!r}")
    return number


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value!r}")
    return number


class AccessLogSwitch(argparse.Action):
    """--access-log / --no-access-log: --no-access-log is --access-logfile ""; --access-log undoes it (to stdout)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, **kwargs)  # type: ignore[arg-type]

    def format_usage(self) -> str:
        return " | ".join(self.option_strings)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        if option_string is not None and option_string.startswith("--no-"):
            setattr(namespace, self.dest, "")
        elif not getattr(namespace, self.dest):
            setattr(namespace, self.dest, STDOUT)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="drover-worker",
        description="Serve an ASGI app with Uvicorn on sockets inherited from droverd (LISTEN_FDS).",
    )
    parser.add_argument(
        "app", metavar="APP", type=app_spec, help="the ASGI app as module:attribute, or module:factory() for a factory"
    )
    parser.add_argument("--app-dir", default=".", metavar="DIR", help="directory put first on sys.path (default: .)")
    parser.add_argument("--factory", action="store_true", help="APP is a callable that returns the ASGI app")
    parser.add_argument(
        "--template",
        action=ModeOnly,
        nargs=0,
        help="first argument only: run a fork server for the pool's workers (droverd's protocol, see template.py)",
    )
    parser.add_argument(
        "--preload",
        action="store_true",
        help="with --template: import APP in the template before forking workers (ignored by a worker)",
    )
    parser.add_argument(
        "--log-level", type=str.lower, choices=LOG_LEVELS, default="info", help="log level (default: info)"
    )
    parser.add_argument(
        "--log-format",
        type=str.lower,
        choices=LOG_FORMATS,
        default="text",
        help="text (Uvicorn's lines) or json (one JSON object per line) (default: text)",
    )
    parser.add_argument(
        "--access-logfile",
        default=STDOUT,
        metavar="TARGET",
        help="access log: '-' for stdout, '' for none, else a file appended to and reopened on SIGUSR1 (default: -)",
    )
    parser.add_argument(
        "--access-log",
        "--no-access-log",
        dest="access_logfile",
        action=AccessLogSwitch,
        help="--no-access-log is --access-logfile ''; --access-log turns it back on, to stdout",
    )
    parser.add_argument(
        "--keep-alive", type=seconds, default=5.0, metavar="SECONDS", help="idle keep-alive timeout (default: 5)"
    )
    parser.add_argument(
        "--graceful-timeout",
        type=seconds,
        default=30.0,
        metavar="SECONDS",
        help="on shutdown, how long to wait for in-flight requests (default: 30)",
    )
    parser.add_argument(
        "--idle-grace",
        type=seconds,
        default=1.0,
        metavar="SECONDS",
        help="on SIGTERM, how long idle keep-alive connections stay open for one last request (default: 1)",
    )
    parser.add_argument("--http", choices=("auto", "h11", "httptools"), default="auto", help="HTTP implementation")
    parser.add_argument("--loop", choices=("auto", "asyncio", "uvloop"), default="auto", help="event loop")
    parser.add_argument("--root-path", default="", metavar="PATH", help="ASGI root_path (mount point behind a proxy)")
    parser.add_argument(
        "--proxy-headers",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="trust X-Forwarded-Proto/For from --forwarded-allow-ips (default: on)",
    )
    parser.add_argument(
        "--forwarded-allow-ips",
        default=None,
        metavar="IPS",
        help="comma-separated addresses trusted for proxy headers (default: $FORWARDED_ALLOW_IPS or 127.0.0.1)",
    )
    parser.add_argument(
        "--backlog",
        type=positive_int,
        default=2048,
        metavar="N",
        help="listen() backlog re-applied to the inherited sockets (default: 2048)",
    )
    parser.add_argument(
        "--limit-max-requests",
        type=positive_int,
        default=None,
        metavar="N",
        help="retire (as on SIGTERM) after serving N requests (default: no limit)",
    )
    parser.add_argument(
        "--request-timeout",
        type=seconds,
        default=0.0,
        metavar="SECONDS",
        help="note each request's start on the heartbeat page; SIGUSR2 prints every thread's stack; on retiring, "
        "requests in flight this long get 503 (droverd's request_timeout; default: 0, off)",
    )
    parser.add_argument("--ssl-certfile", default=None, metavar="PATH", help="serve TLS with this certificate (PEM)")
    parser.add_argument("--ssl-keyfile", default=None, metavar="PATH", help="the certificate's private key (PEM)")
    add_gunicorn_arguments(parser)  # --gunicorn-config, --worker-hooks, and the modes without APP
    add_setting_flags(parser)  # Gunicorn settings: log formats and configs, limits, SSL, user, ...
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Fail here (exit 2), not deep inside uvicorn, when a named implementation is missing.
    for option, module in (("--http", "httptools"), ("--loop", "uvloop")):
        chosen = getattr(args, option[2:])
        if chosen == module and importlib.util.find_spec(module) is None:
            parser.error(f"{option} {module}: the '{module}' package is not installed")
    # One plain line without the usage, like the launcher's other messages (droverd reads them).
    if args.ssl_certfile is not None and args.ssl_keyfile is None:
        parser.exit(2, "drover-worker: --ssl-certfile needs --ssl-keyfile: give both or neither\n")
    if args.ssl_keyfile is not None and args.ssl_certfile is None:
        parser.exit(2, "drover-worker: --ssl-keyfile needs --ssl-certfile: give both or neither\n")
    check_setting_flags(parser, args)
    return args
