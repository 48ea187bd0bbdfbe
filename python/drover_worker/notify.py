"""A minimal sd_notify client: KEY=VALUE lines in one datagram to $NOTIFY_SOCKET.

A leading "/" is a filesystem path, a leading "@" the Linux abstract namespace.
Without NOTIFY_SOCKET every send is a silent no-op.  Sends never raise: droverd going
away must not take the worker down.  A send blocks only when asked to (``retry``): the
receiver's queue holds a few datagrams (net.unix.max_dgram_qlen, 10 by default), and when
many workers start or stop at once a READY=1 dropped on EAGAIN would get a serving worker
killed at its boot timeout.
"""

from __future__ import annotations

import logging
import os
import socket
import time

logger = logging.getLogger("uvicorn.error")


class Notifier:
    def __init__(self, address: str | None) -> None:
        self.address = address
        self._sock: socket.socket | None = None
        self._warned = False
        self._connected = False
        if address is not None:
            self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)  # close-on-exec by default
            self._sock.setblocking(False)

    @classmethod
    def from_environ(cls) -> Notifier:
        """Read and remove NOTIFY_SOCKET; ignore values we cannot use."""
        value = os.environ.pop("NOTIFY_SOCKET", "")
        if value.startswith("/"):
            return cls(value)
        if value.startswith("@") and len(value) > 1:
            return cls("\0" + value[1:])
        if value:
            logger.warning("Ignoring NOTIFY_SOCKET=%r: not a path or an @abstract name", value)
        return cls(None)

    @property
    def enabled(self) -> bool:
        return self._sock is not None

    def connect(self) -> None:
        """Connect to the address now (before dropping privileges: a path is checked for write access
        at connect time only); later sends go to it without a permission check.  Failures are ignored."""
        if self._sock is None or self._connected:
            return
        try:
            self._sock.connect(self.address)
        except OSError:
            return  # sendto() will say what is wrong
        self._connected = True

    def send(self, *lines: str, retry: float = 0.0) -> bool:
        """Send one datagram made of the given KEY=VALUE lines; True if it went out.

        While the receiver's queue is full, try again for up to ``retry`` seconds.
        """
        if self._sock is None:
            return False
        payload = "\n".join(line.replace("\n", " ") for line in lines).encode()
        deadline = time.monotonic() + retry
        pause = 0.001
        while True:
            try:
                if self._connected:
                    self._sock.send(payload)
                else:
                    self._sock.sendto(payload, self.address)
                return True
            except BlockingIOError as exc:
                if time.monotonic() + pause > deadline:
                    error: OSError = exc
                    break
                time.sleep(pause)
                pause = min(pause * 2, 0.05)
            except OSError as exc:
                error = exc
                break
        if not self._warned:  # once is enough: the supervisor is gone or overloaded
            self._warned = True
            logger.warning("sd_notify to %r failed: %s", self.address, error)
        return False

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
