"""Helpers for the tests: the supervisor's side of the protocol, and a tiny HTTP client.

Everything synchronises on events (a datagram, a response, EOF, process exit)
and every wait has a timeout.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
APPS = HERE / "apps"
PACKAGE_ROOT = HERE.parent  # the directory holding drover_worker/
TIMEOUT = 10.0  # upper bound for any single wait; tests normally finish far sooner


# -- sd_notify receiver ---------------------------------------------------------


class NotifyReceiver:
    """The supervisor's end of NOTIFY_SOCKET: a bound AF_UNIX datagram socket."""

    def __init__(self, kind: str, directory: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if kind == "path":
            path = os.path.join(directory, f"notify-{uuid.uuid4().hex[:8]}.sock")
            self.sock.bind(path)
            self.env_value = path
        else:
            name = f"drover-test-{os.getpid()}-{uuid.uuid4().hex[:12]}"
            self.sock.bind("\0" + name)
            self.env_value = "@" + name
        self.messages: list[dict[str, str]] = []

    def _receive(self, timeout: float) -> dict[str, str] | None:
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data = self.sock.recv(65536)
        except (TimeoutError, BlockingIOError):
            return None
        message = dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)
        self.messages.append(message)
        return message

    def wait_for(self, key: str, value: str = "1", timeout: float = TIMEOUT, proc=None) -> dict[str, str]:
        """Wait for a datagram with KEY=VALUE; fail early if proc exits first."""
        for message in self.messages:
            if message.get(key) == value:
                return message
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            message = self._receive(min(remaining, 0.1))
            if message is not None and message.get(key) == value:
                return message
            if message is None and proc is not None and proc.poll() is not None:
                raise AssertionError(f"worker exited with {proc.returncode} before {key}={value}")
        raise AssertionError(f"no {key}={value} datagram within {timeout}s; got {self.messages}")

    def drain(self) -> list[dict[str, str]]:
        """Read what is already queued, without waiting."""
        got = []
        while (message := self._receive(0.001)) is not None:
            got.append(message)
        return got

    def close(self) -> None:
        self.sock.close()


# -- HTTP over raw sockets --------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def closes(self) -> bool:
        return "close" in self.headers.get("connection", "").lower()


class Conn:
    """One HTTP/1.1 client connection; keep-alive unless the server says otherwise."""

    def __init__(self, listener: Listener, timeout: float = TIMEOUT) -> None:
        self.sock = socket.socket(listener.family, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(listener.address)
        self.buffer = b""

    def send_request(self, path: str = "/") -> None:
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: test\r\n\r\n".encode())

    def _fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError(f"EOF from the server (after {self.buffer!r})")
        self.buffer += data

    def read_response(self) -> Response:
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers: dict[str, str] = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers["content-length"])  # the test apps always send one
        while len(self.buffer) < length:
            self._fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return Response(int(status_line.split()[1]), headers, body)

    def get(self, path: str = "/") -> Response:
        self.send_request(path)
        return self.read_response()

    def wait_eof(self, timeout: float = TIMEOUT) -> None:
        """Wait for a clean close (FIN) from the server; data or a reset fail."""
        self.sock.settimeout(timeout)
        data = self.sock.recv(65536)
        assert data == b"", f"expected EOF, got {data!r}"

    def close(self) -> None:
        self.sock.close()


# -- listeners and workers ----------------------------------------------------------


@dataclass
class Listener:
    family: int
    address: object
    sock: socket.socket | None


def tcp_listener() -> Listener:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return Listener(socket.AF_INET, sock.getsockname(), sock)


def unix_listener(path: str) -> Listener:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(path)
    sock.listen(128)
    return Listener(socket.AF_UNIX, path, sock)


@dataclass
class Worker:
    proc: subprocess.Popen
    listeners: list[Listener]
    notify: NotifyReceiver | None
    stdout_path: Path
    stderr_path: Path
    heartbeat: mmap.mmap | None = None
    conns: list[Conn] = field(default_factory=list)

    def wait_ready(self, timeout: float = TIMEOUT) -> dict[str, str]:
        assert self.notify is not None
        try:
            return self.notify.wait_for("READY", timeout=timeout, proc=self.proc)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- stderr ---\n{self.stderr()}") from None

    def connect(self, index: int = 0) -> Conn:
        conn = Conn(self.listeners[index])
        self.conns.append(conn)
        return conn

    def stamp(self) -> int:
        assert self.heartbeat is not None
        return ctypes.c_uint64.from_buffer(self.heartbeat).value

    def page_word(self, index: int) -> int:
        """The heartbeat page's uint64 at byte 8 × index (1 served, 2 in flight, 3 oldest request's start)."""
        assert self.heartbeat is not None
        return ctypes.c_uint64.from_buffer(self.heartbeat, 8 * index).value

    def stamp_age(self) -> float:
        return (time.monotonic_ns() - self.stamp()) / 1e9

    def send_signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def wait_exit(self, timeout: float = TIMEOUT) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"worker still running after {timeout}s\n--- stderr ---\n{self.stderr()}") from None

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def cleanup(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(TIMEOUT)
        for conn in self.conns:
            conn.close()
        for listener in self.listeners:
            if listener.sock is not None:
                listener.sock.close()
                listener.sock = None
        if self.notify is not None:
            self.notify.close()
        if self.heartbeat is not None:
            self.heartbeat.close()
            self.heartbeat = None


def wait_until(predicate, timeout: float = TIMEOUT, interval: float = 0.01, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"{message} not met within {timeout}s")
