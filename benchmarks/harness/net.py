"""Traffic, all of it to 127.0.0.1 and bounded in time: one-shot HTTP probes on fresh
connections, a background prober, and wrk."""

from __future__ import annotations

import re
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class Probe:
    sent: float          # perf_counter() when the connection was opened
    done: float          # when the outcome was known
    outcome: str         # ok, refused, timeout, reset, http-NNN, error
    pid: int | None = None
    body: str = ""


def get(port: int, path: str = "/pid", timeout: float = 1.0) -> Probe:
    """GET on a fresh connection (Connection: close). Never raises."""
    sent = time.perf_counter()
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as s:
            s.settimeout(max(0.01, timeout - (time.perf_counter() - sent)))
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while chunk := s.recv(65536):
                data += chunk
    except ConnectionRefusedError:
        return Probe(sent, time.perf_counter(), "refused")
    except (socket.timeout, TimeoutError):
        return Probe(sent, time.perf_counter(), "timeout")
    except ConnectionResetError:
        return Probe(sent, time.perf_counter(), "reset")
    except OSError as exc:
        return Probe(sent, time.perf_counter(), f"error:{exc.errno}")
    done = time.perf_counter()
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 "):
        return Probe(sent, done, "reset" if not data else "error:bad-response")
    status = int(head.split()[1])
    text = body.decode(errors="replace")
    if status != 200:
        return Probe(sent, done, f"http-{status}", body=text)
    pid = int(text.split()[0]) if path.startswith("/pid") and text.split() else None
    return Probe(sent, done, "ok", pid=pid, body=text)


class Prober(threading.Thread):
    """GET /pid on a fresh connection every `interval` s, `parallel` at a time, until stopped."""

    def __init__(self, port: int, interval: float = 0.01, timeout: float = 1.0, parallel: int = 1,
                 path: str = "/pid") -> None:
        super().__init__(daemon=True)
        self.port, self.interval, self.timeout, self.parallel, self.path = port, interval, timeout, parallel, path
        self.probes: list[Probe] = []
        self._stop_event = threading.Event()
        self._lock = threading.Lock()

    def _one(self) -> None:
        probe = get(self.port, self.path, self.timeout)
        with self._lock:
            self.probes.append(probe)

    def run(self) -> None:
        while not self._stop_event.is_set():
            if self.parallel == 1:
                self._one()
            else:
                threads = [threading.Thread(target=self._one) for _ in range(self.parallel)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
            self._stop_event.wait(self.interval)

    def stop(self) -> list[Probe]:
        self._stop_event.set()
        self.join(self.timeout + 1)
        with self._lock:
            return sorted(self.probes, key=lambda p: p.sent)


def wait_serving(port: int, pids_wanted: int, deadline_s: float, parallel: int = 4,
                 interval: float = 0.005) -> tuple[float | None, float | None, set[int]]:
    """Probe /pid until `pids_wanted` distinct pids answered. Returns (first 200, all seen) as
    perf_counter() instants (None if never) and the pids seen."""
    first = None
    seen: set[int] = set()
    end = time.perf_counter() + deadline_s
    lock = threading.Lock()
    results: list[Probe] = []

    def one() -> None:
        p = get(port, "/pid", timeout=1.0)
        with lock:
            results.append(p)

    while time.perf_counter() < end:
        threads = [threading.Thread(target=one) for _ in range(parallel)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for p in results:
            if p.outcome == "ok":
                first = p.done if first is None else min(first, p.done)
                seen.add(p.pid)
        if len(seen) >= pids_wanted:
            done = max(p.done for p in results if p.outcome == "ok")
            return first, done, seen
        results.clear()
        time.sleep(interval)
    return first, None, seen


# --- wrk ----------------------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


@dataclass
class WrkResult:
    requests: int = 0
    rps: float = 0.0
    p50_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    errors: dict[str, int] = field(default_factory=lambda: {"connect": 0, "read": 0, "write": 0, "timeout": 0})
    non2xx: int = 0
    raw: str = ""

    @property
    def socket_errors(self) -> int:
        return sum(self.errors.values())


def parse_wrk(text: str) -> WrkResult:
    r = WrkResult(raw=text)
    for line in text.splitlines():
        s = line.split()
        if not s:
            continue
        if s[0] == "Latency" and len(s) >= 4:
            r.max_ms = _ms(s[3])
        elif s[0] == "50%":
            r.p50_ms = _ms(s[1])
        elif s[0] == "99%":
            r.p99_ms = _ms(s[1])
        elif "requests in" in line:
            r.requests = int(s[0])
        elif s[0] == "Requests/sec:":
            r.rps = float(s[1])
        elif s[0] == "Socket" and s[1] == "errors:":
            for part in line.split(":", 1)[1].split(","):
                name, value = part.split()
                r.errors[name] = int(value)
        elif line.startswith("Non-2xx or 3xx responses:"):
            r.non2xx = int(s[-1])
    return r


class Wrk:
    """wrk in the background: `-t2 -cC -dDs --latency` on one URL (keep-alive, as wrk always is)."""

    def __init__(self, port: int, connections: int, seconds: float, path: str = "/") -> None:
        self.cmd = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
                    f"http://{HOST}:{port}{path}"]
        self.seconds = seconds
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def result(self) -> WrkResult:
        try:
            out, _ = self.proc.communicate(timeout=self.seconds + 15)
        except subprocess.TimeoutExpired:
            self.proc.kill()  # our own child, by its pid
            out, _ = self.proc.communicate()
        result = parse_wrk(out)
        if "Requests/sec:" not in out:
            raise RuntimeError(f"wrk failed: {' '.join(self.cmd)}: {out.strip()[-300:]}")
        return result


def run_wrk(port: int, connections: int, seconds: float, path: str = "/") -> WrkResult:
    return Wrk(port, connections, seconds, path).result()
