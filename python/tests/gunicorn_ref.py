"""Real Gunicorn 27 (its sync worker, a WSGI app) on a socket of ours, to compare the launcher with.

Gunicorn comes from requirements-dev.txt; tests using it skip when it is not importable.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from workers import APPS, PACKAGE_ROOT, TIMEOUT, Listener, tcp_listener, wait_until


@contextlib.contextmanager
def gunicorn(tmp_path: Path, *args: str, app: str = "twin:wsgi") -> Iterator[tuple[Listener, Path, Path]]:
    """Run Gunicorn with ARGS on a fresh loopback listener; once it serves, yield (listener, stdout, stderr paths)."""
    pytest.importorskip("gunicorn")
    listener = tcp_listener()
    assert listener.sock is not None
    fd = listener.sock.fileno()
    stdout, stderr = tmp_path / "gunicorn.out", tmp_path / "gunicorn.err"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "WEB_CONCURRENCY"))}
    env["PYTHONPATH"] = str(PACKAGE_ROOT)
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"fd://{fd}", "--workers", "1", *args, app],
            cwd=APPS,
            env=env,
            pass_fds=[fd],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
    try:
        wait_until(lambda: "Booting worker" in stderr.read_text() or proc.poll() is not None, message="Gunicorn")
        assert proc.poll() is None, stderr.read_text()
        yield listener, stdout, stderr
    finally:
        proc.terminate()
        try:
            proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(TIMEOUT)
        listener.sock.close()


def exchange(listener: Listener, request: bytes) -> bytes:
    """Send raw request bytes, read the answer until the server closes the connection."""
    with socket.create_connection(listener.address, timeout=TIMEOUT) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)
