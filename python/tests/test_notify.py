"""The notify client against a receiver whose queue is full (many workers notifying at once)."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

from drover_worker.notify import Notifier


def test_a_full_queue_drops_a_plain_send_but_a_retrying_send_waits_for_room(tmp_path: Path) -> None:
    path = str(tmp_path / "notify.sock")
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(path)
    notifier = Notifier(path)
    try:
        # Fill the receiver's queue (net.unix.max_dgram_qlen datagrams, 10 by default).
        sent = 0
        while notifier.send("STATUS=filler") and sent < 10_000:
            sent += 1
        assert 0 < sent < 10_000
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
    finally:
        notifier.close()
        receiver.close()


def test_a_retrying_send_gives_up_at_its_deadline(tmp_path: Path) -> None:
    path = str(tmp_path / "notify.sock")
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(path)
    notifier = Notifier(path)
    try:
        while notifier.send("STATUS=filler"):
            pass
        start = time.monotonic()
        assert not notifier.send("STOPPING=1", retry=0.2)
        assert 0.15 < time.monotonic() - start < 1.0
    finally:
        notifier.close()
        receiver.close()
