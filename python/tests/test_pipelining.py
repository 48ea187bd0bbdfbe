"""HTTP/1.1 pipelining across a retirement: every request already received on a connection is
answered, in order, and only the last answer carries Connection: close before the worker closes."""

from __future__ import annotations

import signal

import pytest
from workers import Conn, wait_until

IMPLEMENTATIONS = [("uvloop", "httptools"), ("asyncio", "h11")]
IDS = ["uvloop-httptools", "asyncio-h11"]
COUNT = 10


def get(index: int) -> bytes:
    return f"GET /item/{index}?s=0.2 HTTP/1.1\r\nHost: test\r\n\r\n".encode()


def post(index: int) -> bytes:
    body = f"body {index} ".encode() * 50
    head = f"POST /item/{index}?s=0.2 HTTP/1.1\r\nHost: test\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def expected(method: str, index: int) -> bytes:
    return f"{method} /item/{index} ".encode() + (f"body {index} ".encode() * 50 if method == "POST" else b"")


def pipeline_through_sigterm(spawn, loop: str, http: str, request, method: str, idle_grace: str) -> None:
    worker = spawn("echo:app", "--loop", loop, "--http", http, "--idle-grace", idle_grace)
    worker.wait_ready()
    conn: Conn = worker.connect()
    assert conn.get("/warm-up").status == 200  # accepted and kept alive
    conn.sock.sendall(b"".join(request(index) for index in range(COUNT)))  # one send: all ten on the wire at once
    # The first request is in flight once the app has it: the worker logs nothing then, so wait
    # for a second connection to be served (it was accepted after the pipeline was read).
    assert worker.connect().get("/probe").status == 200
    worker.send_signal(signal.SIGTERM)
    worker.notify.wait_for("STOPPING")

    for index in range(COUNT):
        response = conn.read_response()  # an EOF here is a dropped request
        assert response.status == 200
        assert response.body == expected(method, index), f"answer {index} out of order: {response.body[:40]!r}"
        assert response.closes == (index == COUNT - 1), f"answer {index}: {response.headers}"
    conn.wait_eof()
    assert worker.wait_exit() == 0


@pytest.mark.parametrize(("loop", "http"), IMPLEMENTATIONS, ids=IDS)
def test_sigterm_answers_every_pipelined_get_then_closes(spawn, loop, http):
    pipeline_through_sigterm(spawn, loop, http, get, "GET", idle_grace="1")


@pytest.mark.parametrize(("loop", "http"), IMPLEMENTATIONS, ids=IDS)
def test_sigterm_answers_every_pipelined_post_then_closes(spawn, loop, http):
    pipeline_through_sigterm(spawn, loop, http, post, "POST", idle_grace="1")


@pytest.mark.parametrize(("loop", "http"), IMPLEMENTATIONS, ids=IDS)
def test_pipeline_longer_than_the_idle_grace_is_answered_in_full(spawn, loop, http):
    # 10 x 0.2 s outlasts a 0.3 s idle grace: uvicorn's own shutdown then runs while requests remain.
    pipeline_through_sigterm(spawn, loop, http, get, "GET", idle_grace="0.3")
