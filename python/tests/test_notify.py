"""The notify client against a receiver whose queue is full (many workers notifying at once)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drover_worker.notify import Notifier


@pytest.fixture
def full_queue(tmp_path: Path) -> Iterator[tuple[socket.socket, Notifier, int]]:
    """A receiver that reads nothing, a notifier, and how many datagrams filled the receiver's
    queue (net.unix.max_dgram_qlen, 10 by default)."""
    path = str(tmp_path / "notify.sock")
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(path)
    notifier = Notifier(path)
    sent = 0
    while notifier.send("STATUS=filler") and sent < 10_000:
        sent += 1
    assert 0 < sent < 10_000
    yield receiver, notifier, sent
    notifier.close()
    receiver.close()


def test_a_full_queue_drops_a_plain_send_but_a_retrying_send_waits_for_room(
    full_queue: tuple[socket.socket, Notifier, int],
) -> None:
    receiver, notifier, sent = full_queue
    assert not notifier.send("READY=1")  # no retry: dropped on EAGAIN

    def drain_later() -> None:
        time.sleep(0.2)
        receiver.recv(4096)

    thread = threading.Thread(target=drain_later)
    thread.start()
    start = time.monotonic()
    assert notifier.send("READY=1", retry=2.0)
    waited = time.monotonic() - start
    thread.join()
    assert 0.1 < waited < 2.0
    receiver.settimeout(1)
    messages = [receiver.recv(4096) for _ in range(sent)]
    assert messages[-1] == b"READY=1"


def test_a_retrying_send_gives_up_at_its_deadline(full_queue: tuple[socket.socket, Notifier, int]) -> None:
    _, notifier, _ = full_queue
    start = time.monotonic()
    assert not notifier.send("STOPPING=1", retry=0.2)
    assert 0.15 < time.monotonic() - start < 1.0
