"""--limit-request-line / --limit-request-fields / --limit-request-field-size: the same answers as Gunicorn 27,
byte for byte, on both HTTP implementations; nothing is checked without the flags."""

from __future__ import annotations

import re
import signal

import pytest
from gunicorn_ref import exchange, gunicorn
from workers import wait_until


def request(target: str = "/", *headers: str) -> bytes:
    lines = [f"GET {target} HTTP/1.1", "Host: t", "Connection: close", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def target_for(line_length: int) -> str:
    """A target that makes the request line "GET TARGET HTTP/1.1" exactly line_length bytes long."""
    return "/" + "a" * (line_length - len("GET / HTTP/1.1"))


SMALL = (
    ("--limit-request-line", "100", "--limit-request-fields", "5", "--limit-request-field-size", "60"),
    [
        request(target_for(100)),
        request(target_for(101)),
        request("/", "X-1: a", "X-2: b", "X-3: c"),  # 5 fields
        request("/", "X-1: a", "X-2: b", "X-3: c", "X-4: d"),  # 6
        request("/", "X-Big: " + "v" * 51),  # 5 + 2 + 51 + 2 = 60 bytes
        request("/", "X-Big: " + "v" * 52),
        request("/", "X-Big: " + "v" * 52, "X-1: a", "X-2: b", "X-3: c"),  # the size is checked first
    ],
)
CLAMPED = (  # above 8190 means 8190; a field size of 0 means 8190
    ("--limit-request-line", "9000", "--limit-request-field-size", "0"),
    [
        request(target_for(8190)),
        request(target_for(8191)),
        request("/", "X-Big: " + "v" * (8190 - 11)),
        request("/", "X-Big: " + "v" * (8191 - 11)),
    ],
)


def invalid_requests(log: str) -> list[str]:
    return re.findall(r"\[WARNING\] (Invalid request from ip=.*)", log)


@pytest.mark.parametrize("http", ["httptools", "h11"])
@pytest.mark.parametrize(("flags", "requests"), [SMALL, CLAMPED], ids=["small", "clamped"])
def test_answers_as_gunicorn(spawn, tmp_path, http, flags, requests):
    worker = spawn("twin:asgi", "--http", http, *flags)
    worker.wait_ready()
    ours = [exchange(worker.listeners[0], raw) for raw in requests]
    worker.send_signal(signal.SIGTERM)
    assert worker.wait_exit() == 0
    gunicorn_flags = [flag.replace("field-size", "field_size") for flag in flags]  # Gunicorn spells it so
    with gunicorn(tmp_path, *gunicorn_flags) as (listener, _, stderr):
        theirs = [exchange(listener, raw) for raw in requests]
        expected_log = invalid_requests(stderr.read_text())
    for raw, mine, reference in zip(requests, ours, theirs, strict=True):
        if reference.startswith(b"HTTP/1.1 200 "):
            assert mine.startswith(b"HTTP/1.1 200 "), raw[:60]  # Uvicorn's own headers differ from Gunicorn's
        else:
            assert mine == reference, raw[:60]
    assert any(not answer.startswith(b"HTTP/1.1 200 ") for answer in theirs)
    assert invalid_requests(worker.stderr()) == expected_log


@pytest.mark.parametrize("http", ["httptools", "h11"])
def test_a_long_line_arriving_in_pieces_gets_414(spawn, http):
    worker = spawn("twin:asgi", "--http", http, "--limit-request-line", "100")
    worker.wait_ready()
    conn = worker.connect()
    conn.sock.sendall(b"GET /" + b"a" * 200)  # no end of line yet: refused before it comes
    answer = b""
    while chunk := conn.sock.recv(65536):
        answer += chunk
    assert answer.startswith(b"HTTP/1.1 414 URI Too Long\r\nConnection: close\r\n")
    assert b"Request Line is too large (2" in answer
    wait_until(lambda: "[WARNING] Invalid request from ip=127.0.0.1: Request Line is too large" in worker.stderr())


@pytest.mark.parametrize("http", ["httptools", "h11"])
def test_nothing_is_checked_without_the_flags_and_0_is_unlimited(spawn, http):
    worker = spawn("twin:asgi", "--http", http)
    worker.wait_ready()
    many = [f"X-{n}: {n}" for n in range(150)]
    assert exchange(worker.listeners[0], request("/", *many)).startswith(b"HTTP/1.1 200 ")
    worker = spawn("twin:asgi", "--http", http, "--limit-request-line", "0", "--limit-request-fields", "200")
    worker.wait_ready()
    assert exchange(worker.listeners[0], request(target_for(9000))).startswith(b"HTTP/1.1 200 ")
    assert exchange(worker.listeners[0], request("/", *many)).startswith(b"HTTP/1.1 200 ")


def test_keep_alive_requests_are_counted_one_by_one(spawn):
    worker = spawn("twin:asgi", "--limit-request-fields", "3")
    worker.wait_ready()
    conn = worker.connect()
    for _ in range(3):  # Host + 2 fields each time: the count starts again with every request
        conn.sock.sendall(b"GET / HTTP/1.1\r\nHost: t\r\nX-A: 1\r\nX-B: 2\r\n\r\n")
        assert conn.read_response().status == 200


@pytest.mark.parametrize("value", ["-1", "x"])
def test_bad_values_exit_2(spawn, value):
    worker = spawn("twin:asgi", "--limit-request-line", value)
    assert worker.wait_exit() == 2
    assert "argument --limit-request-line:" in worker.stderr()
