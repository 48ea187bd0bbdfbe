"""The worker's flags for Gunicorn settings: access log format, log configs, request limits,
SSL details, privileges, pythonpath and process name (droverd passes each only when set).

add_arguments() puts them on the worker's parser; check() turns the ones that need a
lookup (user and group names) into numbers, with one error line naming the flag.
"""

from __future__ import annotations

import argparse
import json

from .access import FormatError, check_format
from .process import group_id, umask, user_id


def access_format(value: str) -> str:
    try:
        return check_format(value)
    except FormatError as exc:
        raise argparse.ArgumentTypeError(f"not a usable format: {exc}") from None


def json_object(value: str) -> str:
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise argparse.ArgumentTypeError(f"expected a JSON object, got {type(parsed).__name__}")
    return value


def non_negative_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"Value must be positive: {number}")  # Gunicorn's words
    return number


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the Gunicorn-setting flags to the worker's parser."""
    group = parser.add_argument_group("Gunicorn settings (droverd passes these when they are set)")
    add = group.add_argument
    add(
        "--access-logformat",
        type=access_format,
        default=None,
        metavar="FMT",
        help="access_log_format with Gunicorn's atoms, e.g. '%%(h)s \"%%(r)s\" %%(s)s %%(D)s' (text format only; "
        "default: Gunicorn's)",
    )
    add("--log-config", default=None, metavar="FILE", help="logging.config.fileConfig FILE on top of the defaults")
    add("--log-config-json", default=None, metavar="FILE", help="dictConfig from a JSON FILE on top of the defaults")
    add(
        "--log-config-dict",
        type=json_object,
        default=None,
        metavar="JSON",
        help="dictConfig from a JSON object on top of the defaults (wins over the other two)",
    )
    for name, default_text in (
        ("line", "414 when the request line is longer; 0: unlimited; at most 8190"),
        ("fields", "431 when a request has more header fields; 0: 32768"),
        ("field-size", "431 when a header field is longer; 0: 8190"),
    ):
        add(
            f"--limit-request-{name}",
            type=non_negative_int,
            default=None,
            metavar="N",
            help=f"{default_text} (default: not checked)",
        )
    add("--ssl-ca-certs", default=None, metavar="FILE", help="CA certificates to verify client certificates with")
    add(
        "--ssl-cert-reqs",
        type=int,
        choices=(0, 1, 2),
        default=None,
        metavar="N",
        help="client certificates: 0 not asked, 1 optional, 2 required (default: 0)",
    )
    add("--ssl-ciphers", default=None, metavar="CIPHERS", help="OpenSSL cipher list")
    add("--ssl-version", type=int, default=None, metavar="N", help="ssl.PROTOCOL_* number for the SSL context")
    add("--user", default=None, metavar="USER", help="run the app as this user (name or uid)")
    add("--group", default=None, metavar="GROUP", help="run the app as this group (name or gid)")
    add("--initgroups", action="store_true", help="with --user: take the user's supplementary groups")
    add(
        "--umask",
        type=umask,
        default=None,
        metavar="MASK",
        help="checked, as Gunicorn's; like Gunicorn's it leaves the worker's umask alone",
    )
    add("--pythonpath", default=None, metavar="DIRS", help="comma-separated directories put first on sys.path")
    add("--proc-name", default=None, metavar="NAME", help="process title 'drover-worker: worker [NAME]' (setproctitle)")


def check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Resolve --user/--group to numbers (args.uid, args.gid); one line and exit 2 for an unknown name."""
    args.uid = args.gid = None
    for option, attribute, resolve in (("--user", "uid", user_id), ("--group", "gid", group_id)):
        value = getattr(args, option[2:])
        if value is None:
            continue
        try:
            setattr(args, attribute, resolve(value))
        except argparse.ArgumentTypeError as exc:
            parser.exit(2, f"drover-worker: {option} {value}: {exc}\n")
