"""request_timeout in the launcher: the oldest request's start on the heartbeat page, stacks on SIGUSR2,
and a 503 for the late requests when the worker retires."""

from __future__ import annotations

import signal
import time

from workers import wait_until


def test_oldest_request_on_the_page_stacks_on_sigusr2_and_503_at_retirement(spawn):
    worker = spawn("hello:app", "--request-timeout", "1", page_size=32)
    worker.wait_ready()
    assert worker.page_word(3) == 0, "no request in flight: 0"
    late = worker.connect()
    late.send_request("/slow?s=30")
    before = time.monotonic_ns()
    wait_until(lambda: worker.page_word(3) != 0, message="the slow request's start on the page")
    start = worker.page_word(3)
    assert before - 200_000_000 <= start <= time.monotonic_ns(), "noted at the first heartbeat after it began"
    assert worker.page_word(2) == 1, "one request in flight"

    worker.send_signal(signal.SIGUSR2)  # droverd's signal for a late request: stacks, and it serves on
    wait_until(lambda: "most recent call first" in worker.stderr(), message="the stacks on stderr")
    fresh = worker.connect()
    fresh.send_request("/")
    assert fresh.read_response().status == 200, "still serving after SIGUSR2"
    assert worker.page_word(3) == start, "the same request is still the oldest"

    wait_until(lambda: time.monotonic_ns() - start > 1_100_000_000, message="the request to be 1 s old")
    retiring = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    response = late.read_response()
    assert response.status == 503
    assert b"request_timeout" in response.body
    assert worker.wait_exit() == 0
    assert time.monotonic() - retiring < 10, "the late request did not hold the worker for its graceful timeout"
    assert "answered 503" in worker.stderr()
    assert "Exception in ASGI application" not in worker.stderr()


def test_a_young_request_drains_normally(spawn):
    worker = spawn("hello:app", "--request-timeout", "30", page_size=32)
    worker.wait_ready()
    conn = worker.connect()
    conn.send_request("/slow?s=1")
    wait_until(lambda: worker.page_word(3) != 0, message="the request's start on the page")
    worker.send_signal(signal.SIGTERM)
    response = conn.read_response()
    assert response.status == 200, "younger than request_timeout: it finishes as usual"
    assert worker.wait_exit() == 0
    assert "answered 503" not in worker.stderr()


def test_without_request_timeout_the_page_holds_no_start(spawn):
    worker = spawn("hello:app", page_size=32)
    worker.wait_ready()
    conn = worker.connect()
    conn.send_request("/slow?s=1")
    wait_until(lambda: worker.page_word(2) == 1, message="the request counted in flight")
    assert worker.page_word(3) == 0
    assert conn.read_response().status == 200
