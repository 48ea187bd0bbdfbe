"""Stopping: SIGTERM retires gracefully (zero failed keep-alive requests), SIGINT stops quickly (no tracebacks),
SIGABRT on a blocked loop dumps the Python stacks, SIGUSR1 is harmless, --limit-max-requests retires."""

from __future__ import annotations

import os
import signal
import socket
import time

import pytest
from workers import Listener, tcp_listener, unix_listener, wait_until

IMPLEMENTATIONS = [("uvloop", "httptools"), ("asyncio", "h11")]
IDS = ["uvloop-httptools", "asyncio-h11"]


def assert_not_served(listener: Listener) -> None:
    """A new connection must be refused (or reset/closed), never queued or answered."""
    sock = socket.socket(listener.family, socket.SOCK_STREAM)
    sock.settimeout(3)
    try:
        try:
            sock.connect(listener.address)
        except ConnectionRefusedError:
            return
        # The kernel accepted the connection, so the listening socket is still open somewhere.
        try:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
            data = sock.recv(1024)
        except (ConnectionResetError, BrokenPipeError):
            return
        except TimeoutError:
            raise AssertionError("connection queued but never answered: the listening socket was not closed") from None
        assert data == b"", f"a new connection was served after the stop signal: {data[:80]!r}"
    finally:
        sock.close()


@pytest.mark.parametrize(("loop", "http"), IMPLEMENTATIONS, ids=IDS)
def test_sigterm_finishes_in_flight_request_and_stops_accepting(spawn, loop, http):
    worker = spawn("hello:app", "--loop", loop, "--http", http)
    worker.wait_ready()
    conn = worker.connect()
    assert conn.get("/").status == 200  # accepted, kept alive
    conn.send_request("/slow?s=1")
    sent = time.monotonic()
    worker.send_signal(signal.SIGTERM)

    worker.notify.wait_for("STOPPING")
    assert worker.proc.poll() is None, "the worker must still be serving the in-flight request"
    assert_not_served(worker.listeners[0])
    assert worker.proc.poll() is None

    response = conn.read_response()
    assert response.status == 200
    assert response.body == b"slept 1.0"
    assert response.closes
    assert time.monotonic() - sent >= 0.9
    conn.wait_eof()
    assert worker.wait_exit() == 0
    assert "Finished server process" in worker.stderr()


@pytest.mark.parametrize(("loop", "http"), IMPLEMENTATIONS, ids=IDS)
def test_retiring_leaves_the_unix_socket_file_alone(spawn, sockdir, loop, http):
    path = os.path.join(sockdir, "shared.sock")
    worker = spawn("hello:app", "--loop", loop, "--http", http, listeners=[unix_listener(path)])
    worker.wait_ready()
    assert worker.connect().get("/").status == 200
    worker.send_signal(signal.SIGTERM)
    assert worker.wait_exit() == 0
    assert os.path.exists(path), "the socket file belongs to droverd and the next workers"


@pytest.mark.parametrize(("loop", "http"), IMPLEMENTATIONS, ids=IDS)
def test_sigterm_answers_one_more_request_on_every_keep_alive_connection(spawn, loop, http):
    worker = spawn("hello:app", "--loop", loop, "--http", http, "--idle-grace", "5")
    worker.wait_ready()
    conns = [worker.connect() for _ in range(20)]
    for conn in conns:
        response = conn.get("/")
        assert response.status == 200 and not response.closes

    worker.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    for conn in conns[:10]:  # right away, racing the signal, as a loaded client would
        conn.send_request("/")
    # The rest a little later: by now plain uvicorn would have closed these idle connections.
    wait_until(lambda: time.monotonic() - signalled >= 0.4, message="0.4 s to pass")
    for conn in conns[10:]:
        conn.send_request("/")
    for conn in conns:
        response = conn.read_response()  # an EOF or a reset here is the failure this guards against
        assert response.status == 200
        assert response.closes
        conn.wait_eof()

    assert worker.wait_exit() == 0
    # Every connection answered and closed, so the 5 s grace ended early.
    assert time.monotonic() - signalled < 4


@pytest.mark.parametrize(("loop", "http"), IMPLEMENTATIONS, ids=IDS)
def test_idle_connections_are_closed_after_the_idle_grace(spawn, loop, http):
    grace = 1.0
    worker = spawn("hello:app", "--loop", loop, "--http", http, "--idle-grace", str(grace))
    worker.wait_ready()
    silent = worker.connect()  # never sends a byte
    used = worker.connect()
    assert used.get("/").status == 200  # answered, so `silent` (queued before it) was accepted too

    worker.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    silent.wait_eof(timeout=grace + 2)
    elapsed = time.monotonic() - signalled
    assert grace - 0.2 <= elapsed <= grace + 2, elapsed
    used.wait_eof(timeout=1)
    assert worker.wait_exit() == 0


@pytest.mark.parametrize(("loop", "http"), IMPLEMENTATIONS, ids=IDS)
def test_sigint_stops_promptly_despite_an_in_flight_request(spawn, loop, http):
    worker = spawn("hello:app", "--loop", loop, "--http", http)
    worker.wait_ready()
    slow = worker.connect()
    assert slow.get("/").status == 200
    slow.send_request("/slow?s=30")
    assert worker.connect().get("/").status == 200  # the slow request is being served by now

    sent = time.monotonic()
    worker.send_signal(signal.SIGINT)
    assert worker.wait_exit(timeout=5) == 0
    assert time.monotonic() - sent < 3
    with pytest.raises(ConnectionError):
        slow.read_response()
    assert_quiet_quick_stop(worker.stderr(), cancelled=1)


def assert_quiet_quick_stop(stderr: str, cancelled: int) -> None:
    """No traceback (Starlette's lifespan, Uvicorn's cancelled request): one info line says what was skipped."""
    assert "Traceback" not in stderr and "CancelledError" not in stderr and "[ERROR]" not in stderr, stderr
    assert "lifespan' protocol appears unsupported" not in stderr
    lines = [line for line in stderr.splitlines() if "Quick stop:" in line]
    assert len(lines) == 1 and "[INFO]" in lines[0], stderr
    assert lines[0].endswith(f"Quick stop: application shutdown skipped, {cancelled} request(s) cancelled")


@pytest.mark.parametrize(("loop", "http"), IMPLEMENTATIONS, ids=IDS)
@pytest.mark.parametrize("app", ["hello:app", "raw:app"], ids=["starlette-lifespan", "raw-lifespan"])
def test_quick_stop_prints_no_traceback(spawn, loop, http, app):
    # hello:app is a Starlette app with a lifespan: its task, cancelled at the loop's end, used to print
    # "ERROR: Traceback ... starlette/routing.py ... lifespan ... CancelledError" from every worker.
    worker = spawn(app, "--loop", loop, "--http", http)
    worker.wait_ready()
    assert worker.connect().get("/").status == 200
    worker.send_signal(signal.SIGINT)
    assert worker.wait_exit() == 0
    assert_quiet_quick_stop(worker.stderr(), cancelled=0)


def test_sigint_after_sigterm_cuts_the_graceful_wait_short(spawn):
    worker = spawn("hello:app", "--idle-grace", "0")
    worker.wait_ready()
    slow = worker.connect()
    assert slow.get("/").status == 200
    slow.send_request("/slow?s=30")
    assert worker.connect().get("/").status == 200

    worker.send_signal(signal.SIGTERM)
    worker.notify.wait_for("STOPPING")
    assert worker.proc.poll() is None  # waiting for /slow (up to the 30 s graceful timeout)
    sent = time.monotonic()
    worker.send_signal(signal.SIGINT)
    assert worker.wait_exit(timeout=5) == 0
    assert time.monotonic() - sent < 3
    assert_quiet_quick_stop(worker.stderr(), cancelled=1)


def test_sigterm_while_the_app_is_still_starting_stops_at_once(spawn):
    # Found by the integration suite on a loaded machine: a lifespan startup that hangs held a
    # worker told to stop until droverd's graceful timeout.
    worker = spawn("hang_startup:app")
    wait_until(lambda: "Waiting for application startup" in worker.stderr(), timeout=10, message="the startup")
    sent = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait_exit(timeout=5) == 0
    assert time.monotonic() - sent < 3
    assert "Stopped before the application finished starting" in worker.stderr()
    assert worker.notify is not None and not [m for m in worker.notify.drain() if "READY" in m]


def test_sigabrt_while_the_loop_is_blocked_dumps_python_stacks(spawn):
    worker = spawn("blocking:app")
    worker.wait_ready()
    worker.connect().send_request("/block?s=30")
    wait_until(lambda: worker.stamp_age() > 0.5, message="the event loop to block")

    worker.send_signal(signal.SIGABRT)
    assert worker.wait_exit() == -signal.SIGABRT
    stderr = worker.stderr()
    assert "Fatal Python error: Aborted" in stderr
    assert "in block_the_event_loop" in stderr


def test_sigusr1_is_logged_and_harmless(spawn):
    worker = spawn("hello:app", "--log-level", "debug")
    worker.wait_ready()
    worker.send_signal(signal.SIGUSR1)
    wait_until(lambda: "SIGUSR1 received" in worker.stderr(), timeout=5, message="the SIGUSR1 log line")
    assert worker.connect().get("/").status == 200
    assert worker.proc.poll() is None


@pytest.mark.parametrize(("loop", "http"), IMPLEMENTATIONS, ids=IDS)
def test_limit_max_requests_asks_for_a_replacement_and_serves_until_sigterm(spawn, loop, http):
    listener = tcp_listener()
    args = ("--loop", loop, "--http", http, "--idle-grace", "0.3")
    worker = spawn("hello:app", *args, "--limit-max-requests", "3", listeners=[listener], keep_listeners=True)
    worker.wait_ready()
    for _ in range(3):  # a fresh connection each time
        conn = worker.connect()
        assert conn.get("/").status == 200
        conn.close()
    asked = worker.notify.wait_for("DROVER_RECYCLE", proc=worker.proc)
    assert asked["DROVER_RECYCLE"] == "1"
    assert "request limit reached" in asked["STATUS"]
    # It serves on (droverd starts the replacement first), and says so once.
    for _ in range(3):
        conn = worker.connect()
        assert conn.get("/").status == 200
        conn.close()
    assert worker.proc.poll() is None
    assert worker.stderr().count("Request limit of 3 reached: serving on until droverd's replacement is ready") == 1

    replacement = spawn("hello:app", *args, listeners=[listener])  # what droverd does on DROVER_RECYCLE=1
    replacement.wait_ready()
    late = worker.connect()
    worker.proc.send_signal(signal.SIGTERM)  # the replacement is ready: droverd retires the old worker
    late.send_request("/")  # answered by the retiring worker (Connection: close) or queued for the new one
    stopping = worker.notify.wait_for("STOPPING", proc=worker.proc)
    assert stopping["STATUS"] == "retiring"
    assert worker.wait_exit() == 0
    assert late.read_response().status == 200
    assert replacement.connect().get("/").status == 200


def test_limit_max_requests_without_droverd_retires_like_sigterm(spawn):
    listener = tcp_listener()
    worker = spawn("hello:app", "--idle-grace", "0.3", "--limit-max-requests", "2", listeners=[listener], notify=None)
    wait_until(lambda: "Ready: serving" in worker.stderr(), timeout=10, message="the worker to serve")
    for _ in range(2):
        conn = worker.connect()
        assert conn.get("/").status == 200
        conn.close()
    assert worker.wait_exit() == 0
    stderr = worker.stderr()
    assert "Maximum request limit of 2 exceeded" in stderr
    assert "Request limit reached: retiring" in stderr
