"""Liveness: the shared-memory heartbeat stamp, and WATCHDOG=1 without a heartbeat fd."""

from __future__ import annotations

import select
import time

from workers import TIMEOUT, wait_until

from drover_worker.heartbeat import HEARTBEAT_INTERVAL

FRESH = 3 * HEARTBEAT_INTERVAL  # a stamp at most this old is a live one


def test_heartbeat_advances_while_idle_and_stops_while_the_loop_is_blocked(spawn):
    worker = spawn("blocking:app")
    worker.wait_ready()
    first = worker.stamp()
    assert first != 0, "a stamp is written before READY=1"
    assert worker.stamp_age() < FRESH

    started = time.monotonic()
    wait_until(lambda: time.monotonic() - started >= 0.3, message="0.3 s to pass")
    second = worker.stamp()
    assert second > first
    assert worker.stamp_age() < FRESH, f"the stamp is kept fresh (every {HEARTBEAT_INTERVAL} s) while idle"

    conn = worker.connect()
    conn.send_request("/block?s=2")
    max_age = 0.0
    deadline = time.monotonic() + TIMEOUT
    while not select.select([conn.sock], [], [], 0.01)[0]:  # until the response starts arriving
        max_age = max(max_age, worker.stamp_age())
        assert time.monotonic() < deadline, "no response to /block"
    assert conn.read_response().status == 200
    assert max_age >= 1.5, f"the stamp kept advancing while the loop was blocked (oldest seen: {max_age:.2f}s)"
    wait_until(lambda: worker.stamp_age() < FRESH, timeout=2, message="a fresh stamp after the block")


def test_watchdog_pings_without_a_heartbeat_fd(spawn):
    worker = spawn("hello:app", heartbeat=False, notify="abstract", env={"WATCHDOG_USEC": "200000"})
    worker.wait_ready()
    assert worker.notify is not None
    for _ in range(3):  # every WATCHDOG_USEC/2 = 0.1 s
        worker.notify.messages.clear()
        worker.notify.wait_for("WATCHDOG", timeout=2)


def test_no_watchdog_pings_for_another_pid(spawn):
    worker = spawn("hello:app", heartbeat=False, env={"WATCHDOG_USEC": "200000", "WATCHDOG_PID": "1"})
    worker.wait_ready()
    # Pings start with the event loop, before READY=1; datagrams from one sender arrive in order.
    assert worker.notify is not None
    assert not [m for m in worker.notify.messages if "WATCHDOG" in m]
    assert worker.connect().get("/").status == 200
    assert not [m for m in worker.notify.drain() if "WATCHDOG" in m]
