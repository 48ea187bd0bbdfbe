"""TLS with --ssl-certfile/--ssl-keyfile: https on the inherited sockets, and the options' checks."""

from __future__ import annotations

import signal
import ssl
import subprocess
import sys

import pytest
from workers import APPS, PACKAGE_ROOT, wait_until

IMPLEMENTATIONS = [("uvloop", "httptools"), ("asyncio", "h11")]


def client_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # self-signed
    return context


@pytest.mark.parametrize(("loop", "http"), IMPLEMENTATIONS, ids=["uvloop-httptools", "asyncio-h11"])
def test_serves_https(spawn, tls_files, loop, http):
    certfile, keyfile = tls_files
    tls = ("--ssl-certfile", str(certfile), "--ssl-keyfile", str(keyfile))
    worker = spawn("hello:app", "--loop", loop, "--http", http, *tls)
    ready = worker.wait_ready()
    host, port = worker.listeners[0].address
    assert ready["STATUS"] == f"serving on https://{host}:{port}"
    line = f"Ready: serving on https://{host}:{port}"
    wait_until(lambda: line in worker.stderr(), message="the Ready line")  # logged right after READY=1

    conn = worker.connect()
    conn.sock = client_context().wrap_socket(conn.sock, server_hostname="localhost")
    for _ in range(2):  # keep-alive over TLS
        response = conn.get("/")
        assert response.status == 200
        assert response.body.startswith(f"hello from {worker.proc.pid}".encode())
    assert '"GET / HTTP/1.1" 200' in worker.stdout()

    worker.send_signal(signal.SIGTERM)
    assert conn.get("/").closes  # retiring works the same over TLS
    conn.wait_eof()  # the server's close_notify
    conn.close()  # (a TLS server waits for the client's side of the close before the connection is gone)
    assert worker.wait_exit() == 0


@pytest.mark.parametrize(
    ("given", "missing"), [("--ssl-certfile", "--ssl-keyfile"), ("--ssl-keyfile", "--ssl-certfile")]
)
def test_one_tls_option_alone_exits_2(tls_files, given, missing):
    env = {"PYTHONPATH": str(PACKAGE_ROOT), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "drover_worker", given, str(tls_files[0]), "hello:app"],
        cwd=APPS,
        env=env,
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert result.returncode == 2
    assert result.stderr == f"drover-worker: {given} needs {missing}: give both or neither\n"


def test_unusable_certificate_exits_2(spawn, tls_files, tmp_path):
    certfile, _ = tls_files
    missing = tmp_path / "missing.pem"
    worker = spawn("hello:app", "--ssl-certfile", str(certfile), "--ssl-keyfile", str(missing))
    assert worker.wait_exit() == 2
    assert worker.stderr() == (
        f"drover-worker: --ssl-certfile {certfile} --ssl-keyfile {missing}: No such file or directory\n"
    )
