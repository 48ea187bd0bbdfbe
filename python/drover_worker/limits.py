"""Gunicorn's request limits on Uvicorn's HTTP/1.1 protocols (httptools and h11).

--limit-request-line, --limit-request-fields and --limit-request-field-size behave as
Gunicorn 27's settings of the same names (gunicorn/http/message.py), each enforced only
when its flag is given (Gunicorn with Uvicorn's worker enforces none of them: Uvicorn
parses HTTP there):

* request line longer than N bytes (without CRLF): 414 URI Too Long, body
  "Request Line is too large (SIZE > N)"; 0 means unlimited, values above 8190 mean 8190;
* more than N header fields: 431 Request Header Fields Too Large, body
  "Error parsing headers: 'limit request headers fields'"; 0 (or above 32768) means 32768;
* a header field ("Name: value" plus CRLF) longer than N bytes: 431, "... 'limit request
  headers fields size'"; 0 means 8190, as Gunicorn's code does (its docs say unlimited);
* with either header limit, a head still unfinished after fields * (size + 2) + 4 bytes:
  431, "... 'max buffer headers'".

The answer is Gunicorn's (util.write_error: a small HTML page, Connection: close), the
connection is closed, and "Invalid request from ip=ADDR: REASON" is logged at warning.
Sizes are measured on the parsed line and fields (method, target, "HTTP/1.x"; name,
": ", value, CRLF), which equals the raw bytes for well-formed requests.

The protocols are subclasses created at start-up: the httptools one checks in the
parser callbacks (its parser is wrapped to catch the callback error); the h11 one uses
an h11.Connection subclass whose next_event() checks the buffered head and the Request.
"""

from __future__ import annotations

import asyncio
import html
import importlib.util
import textwrap
from dataclasses import dataclass
from typing import Any

MAX_REQUEST_LINE = 8190
MAX_HEADERS = 32768
DEFAULT_MAX_HEADERFIELD_SIZE = 8190
DEFAULT_LIMIT_REQUEST_FIELDS = 100


@dataclass(frozen=True)
class Limits:
    """Effective limits; None for one that is not enforced."""

    line: int | None = None
    fields: int | None = None
    field_size: int | None = None

    @classmethod
    def from_flags(cls, line: int | None, fields: int | None, field_size: int | None) -> Limits | None:
        """Gunicorn's clamping of the given values; None when no limit is given at all."""
        if line is None and fields is None and field_size is None:
            return None
        return cls(
            line=None if not line else min(line, MAX_REQUEST_LINE),
            fields=None if fields is None else (fields if 0 < fields <= MAX_HEADERS else MAX_HEADERS),
            field_size=None if field_size is None else (field_size if field_size > 0 else DEFAULT_MAX_HEADERFIELD_SIZE),
        )

    @property
    def max_buffer_headers(self) -> int | None:
        """Gunicorn's bound on an unfinished head (after the request line), with either header limit."""
        if self.fields is None and self.field_size is None:
            return None
        fields = self.fields or DEFAULT_LIMIT_REQUEST_FIELDS
        size = self.field_size or DEFAULT_MAX_HEADERFIELD_SIZE
        return fields * (size + 2) + 4


class RequestLimitError(Exception):
    """A request over a limit: str() is Gunicorn's exception text; status, reason, mesg its answer."""

    def __init__(self, text: str, status: int, reason: str, mesg: str) -> None:
        super().__init__(text)
        self.status = status
        self.reason = reason
        self.mesg = mesg


def line_too_large(size: int, limit: int) -> RequestLimitError:
    text = f"Request Line is too large ({size} > {limit})"
    return RequestLimitError(text, 414, "URI Too Long", text)


def headers_too_large(what: str) -> RequestLimitError:
    return RequestLimitError(what, 431, "Request Header Fields Too Large", f"Error parsing headers: '{what}'")


def error_response(status: int, reason: str, mesg: str) -> bytes:
    """Gunicorn's util.write_error() bytes."""
    page = textwrap.dedent(
        """\
    <html>
      <head>
        <title>%(reason)s</title>
      </head>
      <body>
        <h1><p>%(reason)s</p></h1>
        %(mesg)s
      </body>
    </html>
    """
    ) % {"reason": reason, "mesg": html.escape(mesg)}
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: text/html\r\n"
        f"Content-Length: {len(page)}\r\n\r\n"
    )
    return (head + page).encode("latin-1")


def check_field(limits: Limits, index: int, name: bytes, value: bytes) -> None:
    """Header number index (0-based): Gunicorn's count check, then its size check."""
    if limits.fields is not None and index >= limits.fields:
        raise headers_too_large("limit request headers fields")
    if limits.field_size is not None and len(name) + len(value) + 4 > limits.field_size:
        raise headers_too_large("limit request headers fields size")


def check_buffered_head(limits: Limits, data: bytes) -> None:
    """The request line and the head's size, on the bytes of a head still being received."""
    if data[:2] == b"\r\n":
        data = data[2:]  # one empty line before the request line is allowed (RFC 9112 2.2)
    end = data.find(b"\r\n")
    if limits.line is not None:
        if end >= 0 and end > limits.line:
            raise line_too_large(end, limits.line)
        if end < 0 and len(data) - 2 > limits.line:
            raise line_too_large(len(data), limits.line)
    maximum = limits.max_buffer_headers
    if maximum is not None and end >= 0 and len(data) - end - 2 > maximum:
        rest = data[end:]
        if not rest.startswith(b"\r\n\r\n") and b"\r\n\r\n" not in rest:
            raise headers_too_large("max buffer headers")


class _Rejecting:
    """Mixin for Uvicorn's protocols: answer a RequestLimitError as Gunicorn does, once, and close."""

    _rejected = False
    client: Any
    logger: Any
    transport: asyncio.Transport

    def reject(self, error: RequestLimitError) -> None:
        if self._rejected:
            return
        self._rejected = True
        ip = self.client[0] if self.client else ""
        self.logger.warning("Invalid request from ip=%s: %s", ip, error)
        if not self.transport.is_closing():
            self.transport.write(error_response(error.status, error.reason, error.mesg))
            self.transport.close()


def httptools_protocol(limits: Limits) -> type[asyncio.Protocol]:
    """Uvicorn's HttpToolsProtocol with the limits checked in its parser callbacks."""
    import httptools
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class _Parser:
        """The httptools parser, with feed_data() turning a limit raised in a callback into the answer."""

        def __init__(self, parser: Any, protocol: LimitedHttpToolsProtocol) -> None:
            self._parser = parser
            self._protocol = protocol

        def feed_data(self, data: bytes) -> None:
            protocol = self._protocol
            if protocol._rejected:
                return
            try:
                self._parser.feed_data(data)
            except httptools.HttpParserCallbackError:
                error = protocol._limit_error
                if error is None:
                    raise
                protocol.reject(error)

        def __getattr__(self, name: str) -> Any:
            value = getattr(self._parser, name)
            setattr(self, name, value)  # bound methods: look each up once
            return value

    class LimitedHttpToolsProtocol(_Rejecting, HttpToolsProtocol):  # type: ignore[misc]
        _limits = limits

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.parser = _Parser(self.parser, self)  # type: ignore[assignment]
            self._limit_error: RequestLimitError | None = None
            self._line = 0
            self._fields = 0
            self._head = 0

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._line = self._fields = self._head = 0

        def _fail(self, error: RequestLimitError) -> None:
            self._limit_error = error
            raise error

        def on_url(self, url: bytes) -> None:
            super().on_url(url)
            line = self._limits.line
            if line is not None:
                if not self._line:
                    self._line = len(self.parser.get_method()) + len(" ") + len(" HTTP/1.1")
                self._line += len(url)
                if self._line > line:
                    self._fail(line_too_large(self._line, line))

        def on_header(self, name: bytes, value: bytes) -> None:
            try:
                check_field(self._limits, self._fields, name, value)
                maximum = self._limits.max_buffer_headers
                self._head += len(name) + len(value) + 4
                if maximum is not None and self._head > maximum:
                    raise headers_too_large("max buffer headers")
            except RequestLimitError as error:
                self._fail(error)
            self._fields += 1
            super().on_header(name, value)

    return LimitedHttpToolsProtocol


def h11_protocol(limits: Limits, max_incomplete_event_size: int | None) -> type[asyncio.Protocol]:
    """Uvicorn's H11Protocol with the limits checked by its h11.Connection."""
    import h11
    from h11._connection import DEFAULT_MAX_INCOMPLETE_EVENT_SIZE
    from uvicorn.protocols.http.h11_impl import H11Protocol

    # h11 refuses a head bigger than this with a plain 400: leave room for what Gunicorn accepts.
    room = (limits.line + 2 if limits.line is not None else 0) + (limits.max_buffer_headers or 0)
    max_size = max(max_incomplete_event_size or DEFAULT_MAX_INCOMPLETE_EVENT_SIZE, room)

    class LimitedConnection(h11.Connection):  # type: ignore[misc]
        def __init__(self, protocol: LimitedH11Protocol) -> None:
            super().__init__(h11.SERVER, max_size)
            self._protocol = protocol

        def next_event(self) -> Any:
            protocol = self._protocol
            if protocol._rejected:
                return h11.NEED_DATA
            try:
                if self.their_state is h11.IDLE:
                    check_buffered_head(limits, self.trailing_data[0])
                event = super().next_event()
                if type(event) is h11.Request:
                    if limits.line is not None:
                        size = len(event.method) + len(event.target) + len("  HTTP/") + len(event.http_version)
                        if size > limits.line:
                            raise line_too_large(size, limits.line)
                    if limits.fields is not None or limits.field_size is not None:
                        for index, (name, value) in enumerate(event.headers.raw_items()):
                            check_field(limits, index, name, value)
            except RequestLimitError as error:
                protocol.reject(error)
                return h11.NEED_DATA
            return event

    class LimitedH11Protocol(_Rejecting, H11Protocol):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.conn = LimitedConnection(self)

    return LimitedH11Protocol


def limited_protocol(http: str, limits: Limits, max_incomplete_event_size: int | None = None) -> type[asyncio.Protocol]:
    """The protocol class for --http (auto, httptools or h11) with the limits; auto picks httptools if installed."""
    if http == "httptools" or (http == "auto" and importlib.util.find_spec("httptools") is not None):
        return httptools_protocol(limits)
    return h11_protocol(limits, max_incomplete_event_size)
