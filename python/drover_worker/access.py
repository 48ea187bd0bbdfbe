"""Gunicorn's access log lines from an ASGI wrapper: access_log_format with all of Gunicorn's atoms.

Uvicorn's access logger knows neither formats nor sizes nor durations, so the wrapper
records the status, the response headers, the body bytes sent and the time taken,
and writes ``access_log_format % atoms`` to ``gunicorn.access`` once the app returns
(also when it raised: status 500 if no response had started, as Gunicorn logs it).

Atoms (Gunicorn 27's glogging.Logger.atoms()):

    h remote address    l '-'              u user (Basic auth)  t date [10/Oct/2000:13:55:36 -0700]
    r request line      m method           U path               q query string
    H protocol          s status           B body bytes         b body bytes, '-' if unknown
    f Referer           a User-Agent       T seconds (int)      D microseconds (int)
    M milliseconds      L seconds (x.xxxxxx)  p <pid>
    {name}i request header   {name}o response header   {name}e WSGI-style environ variable

Unknown atoms and absent headers print ``-``; ``"`` in values is escaped as ``\\"``.  Only
the atoms the format names are computed.  ``h`` is the client address after Uvicorn's
proxy-headers handling (the forwarded client behind a trusted proxy); ``r`` holds the
request target as the client sent it (Uvicorn's root_path taken off again).
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

DEFAULT_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'
_KEY = re.compile(r"%\(([^)]*)\)")
_SIMPLE = frozenset("hlutrmUqHsBbfaTDMLp")


class FormatError(ValueError):
    """An access log format that Python's %-formatting cannot use."""


class _Atoms(dict):
    """Gunicorn's SafeAtoms: any key that was not computed prints '-'."""

    __slots__ = ()

    def __missing__(self, key: str) -> str:
        return "-"


def check_format(fmt: str) -> str:
    """Return fmt if %-formatting accepts it (with '-' for every atom); FormatError with the reason otherwise."""
    try:
        fmt % _Atoms()
    except (ValueError, TypeError) as exc:  # "%(h)d" would only fail on a real number: not checked
        if not isinstance(exc, TypeError) or "number is required" not in str(exc):
            raise FormatError(str(exc)) from None
    return fmt


def _pick(headers: Any, wanted: frozenset[bytes], lower: bool) -> dict[bytes, bytes]:
    """The wanted headers (lowercase names) in one pass; the last one of a name wins, as in Gunicorn."""
    found = {}
    for key, value in headers:
        if lower:
            key = key.lower()
        if key in wanted:
            found[key] = value
    return found


def _text(found: dict[bytes, bytes], name: bytes) -> str | None:
    value = found.get(name)
    return None if value is None else value.decode("latin-1")


def _user(authorization: str | None) -> str | None:
    """The user name of a Basic Authorization header, as Gunicorn's Logger._get_user()."""
    if authorization and authorization.lower().startswith("basic"):
        parts = authorization.split(" ", 1)
        if len(parts) == 2:
            try:
                return base64.b64decode(parts[1].strip().encode("utf-8")).split(b":", 1)[0].decode("utf-8")
            except (TypeError, binascii.Error, UnicodeDecodeError):
                return None
    return None


class _Clock:
    """Gunicorn's Logger.now(), '[%d/%b/%Y:%H:%M:%S %z]', formatted once per second."""

    def __init__(self) -> None:
        self.second = -1
        self.text = ""

    def now(self) -> str:
        second = int(time.time())
        if second != self.second:
            self.text = time.strftime("[%d/%b/%Y:%H:%M:%S %z]", time.localtime(second))
            self.second = second
        return self.text


def _target(scope: Scope) -> tuple[str, str]:
    """(the raw path as sent, the query string) as latin-1 text."""
    raw = scope.get("raw_path")
    root = scope.get("root_path", "")
    if raw is None:
        path = scope.get("path", "")
        path = path[len(root) :] if root and path.startswith(root) else path
    else:
        prefix = root.encode("latin-1", "replace") if root else b""
        if prefix and raw.startswith(prefix):
            raw = raw[len(prefix) :]  # uvicorn puts root_path in front of what the client sent
        path = raw.decode("latin-1")
    return path, scope.get("query_string", b"").decode("latin-1")


def environ(scope: Scope) -> dict[str, str]:
    """A WSGI-style environ of the request, for the {name}e atoms (keys as in WSGI)."""
    path, query = _target(scope)
    client = scope.get("client")
    server = scope.get("server")
    env = {
        "REQUEST_METHOD": scope.get("method", ""),
        "RAW_URI": path + ("?" + query if query else ""),
        "PATH_INFO": environ_path(scope),
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/" + scope.get("http_version", "1.1"),
        "REMOTE_ADDR": client[0] if client else "-",
        "SCRIPT_NAME": scope.get("root_path", ""),
        "wsgi.url_scheme": scope.get("scheme", "http"),
    }
    if client:
        env["REMOTE_PORT"] = str(client[1])
    if server:
        env["SERVER_NAME"] = str(server[0])
        env["SERVER_PORT"] = str(server[1]) if server[1] is not None else ""
    for name, value in scope.get("headers", ()):
        key = "HTTP_" + name.decode("latin-1").upper().replace("-", "_")
        text = value.decode("latin-1")
        env[key] = env[key] + "," + text if key in env else text  # repeated headers joined, as in WSGI
    return env


class AccessLogMiddleware:
    """Wrap an ASGI app; after each HTTP request, log one line in Gunicorn's access_log_format."""

    def __init__(self, app: Callable[..., Awaitable[None]], logger: logging.Logger, fmt: str = DEFAULT_FORMAT) -> None:
        self.app = app
        self.logger = logger
        self.fmt = DEFAULT_FORMAT if fmt == DEFAULT_FORMAT else fmt  # the same object: default_atoms() applies
        keys = list(dict.fromkeys(_KEY.findall(fmt)))
        self.simple = [key for key in keys if key in _SIMPLE]
        # {name}i / {name}o / {name}e: Gunicorn matches them case-insensitively.
        self.request_headers = [(key, key[1:-2].lower().encode("latin-1")) for key in keys if _braced(key, "i")]
        self.response_headers = [(key, key[1:-2].lower().encode("latin-1")) for key in keys if _braced(key, "o")]
        self.environ_keys = [(key, key[1:-2].lower()) for key in keys if _braced(key, "e")]
        implied = {"u": b"authorization", "f": b"referer", "a": b"user-agent"}
        self.wanted = frozenset(
            [implied[key] for key in self.simple if key in implied] + [name for _, name in self.request_headers]
        )
        self.wanted_out = frozenset(name for _, name in self.response_headers)
        self.pid = f"<{os.getpid()}>"
        self.clock = _Clock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status: int | None = None
        sent = 0
        response_headers: Any = ()

        async def send_and_record(message: Message) -> None:
            nonlocal status, sent, response_headers
            kind = message["type"]
            if kind == "http.response.body":
                sent += len(message.get("body", b""))
            elif kind == "http.response.start":
                status = message["status"]
                response_headers = message.get("headers", ())
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            # No response started: the server answers 500 (as Gunicorn counts it).
            self.log(scope, 500 if status is None else status, sent, response_headers, time.perf_counter() - start)

    def log(self, scope: Scope, status: int, sent: int, response_headers: Any, elapsed: float) -> None:
        """Write one access line; a failure to build it is logged, never raised into the request."""
        logger = self.logger
        if not logger.isEnabledFor(logging.INFO):
            return
        try:
            if self.fmt is DEFAULT_FORMAT:
                atoms = self.default_atoms(scope, status, sent)
            else:
                atoms = self.atoms(scope, status, sent, response_headers, elapsed)
        except Exception:
            logging.getLogger("uvicorn.error").exception("Cannot build the access log line")
            return
        # logger.info() without its stack walk for the caller (no format uses it here): a third less per line.
        logger.handle(logger.makeRecord(logger.name, logging.INFO, __file__, 0, self.fmt, (atoms,), None))

    def default_atoms(self, scope: Scope, status: int, sent: int) -> dict[str, Any]:
        """atoms() for DEFAULT_FORMAT (h l u t r s b f a), spelt out: it is the one nearly everybody uses."""
        found = _pick(scope.get("headers", ()), self.wanted, False)
        client = scope.get("client")
        path, query = _target(scope)
        request = f"{scope['method']} {path}{'?' + query if query else ''} HTTP/{scope['http_version']}"
        user = _user(_text(found, b"authorization")) if b"authorization" in found else None
        referer = _text(found, b"referer")
        agent = _text(found, b"user-agent")
        return {
            "h": client[0] if client else "-",
            "l": "-",
            "u": user.replace('"', '\\"') if user else "-",
            "t": self.clock.now(),
            "r": request.replace('"', '\\"'),
            "s": status,
            "b": str(sent),
            "f": referer.replace('"', '\\"') if referer else "-",
            "a": agent.replace('"', '\\"') if agent else "-",
        }

    def atoms(self, scope: Scope, status: int, sent: int, response_headers: Any, elapsed: float) -> dict[str, Any]:
        """The atoms the format uses, with '"' escaped in text values as Gunicorn's SafeAtoms does."""
        atoms = _Atoms()
        # ASGI servers give request header names in lowercase; apps may not for the response.
        found = _pick(scope.get("headers", ()), self.wanted, False) if self.wanted else {}
        micros = int(elapsed * 1_000_000)
        for key in self.simple:
            if key == "h":
                client = scope.get("client")
                value: Any = client[0] if client else "-"
            elif key == "l":
                value = "-"
            elif key == "u":
                value = _user(_text(found, b"authorization")) or "-"
            elif key == "t":
                value = self.clock.now()
            elif key == "r":
                path, query = _target(scope)
                value = f"{scope['method']} {path}{'?' + query if query else ''} HTTP/{scope['http_version']}"
            elif key == "s":
                value = status
            elif key == "m":
                value = scope["method"]
            elif key == "U":
                value = environ_path(scope)
            elif key == "q":
                value = scope.get("query_string", b"").decode("latin-1")
            elif key == "H":
                value = "HTTP/" + scope["http_version"]
            elif key == "b":
                value = str(sent)
            elif key == "B":
                value = sent
            elif key == "f":
                value = _text(found, b"referer") or "-"
            elif key == "a":
                value = _text(found, b"user-agent") or "-"
            elif key == "T":
                value = micros // 1_000_000
            elif key == "D":
                value = micros
            elif key == "M":
                value = micros // 1000
            elif key == "L":
                value = "{}.{:06d}".format(*divmod(micros, 1_000_000))
            else:  # "p"
                value = self.pid
            atoms[key] = value.replace('"', '\\"') if isinstance(value, str) else value
        for key, name in self.request_headers:
            if (text := _text(found, name)) is not None:
                atoms[key] = text.replace('"', '\\"')
        if self.response_headers:
            out = _pick(response_headers, self.wanted_out, True)
            for key, name in self.response_headers:
                if (text := _text(out, name)) is not None:
                    atoms[key] = text.replace('"', '\\"')
        if self.environ_keys:
            env = {name.lower(): value for name, value in environ(scope).items()}
            for key, name in self.environ_keys:
                if name in env:
                    atoms[key] = env[name].replace('"', '\\"')
        return atoms


def environ_path(scope: Scope) -> str:
    """PATH_INFO: the decoded path without Uvicorn's root_path."""
    path = scope.get("path", "")
    root = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def _braced(key: str, kind: str) -> bool:
    return len(key) > 3 and key[0] == "{" and key[-2:] == "}" + kind
