"""Serving through inherited sockets: readiness, several listeners, environment hygiene, app specs."""

from __future__ import annotations

import json
import os
import signal

import pytest
from workers import tcp_listener, unix_listener


def test_ready_then_serves_on_tcp_and_unix_sockets(spawn, sockdir):
    path = os.path.join(sockdir, "web.sock")
    worker = spawn("hello:app", listeners=[tcp_listener(), unix_listener(path)], env={"LISTEN_FDNAMES": "web:unix"})
    ready = worker.wait_ready()
    host, port = worker.listeners[0].address
    assert ready["STATUS"] == f"serving on http://{host}:{port}, unix:{path}"

    for index in (0, 1):
        response = worker.connect(index).get("/")
        assert response.status == 200
        assert response.body.startswith(f"hello from {worker.proc.pid} (started=True)".encode())
        assert not response.closes


def test_launcher_variables_are_removed_from_the_app_environment(spawn):
    worker = spawn("hello:app", env={"WATCHDOG_USEC": "60000000", "DROVER_POOL": "web", "DROVER_WORKER_INDEX": "2"})
    worker.wait_ready()
    seen = worker.connect().get("/env")
    assert seen.status == 200
    env = json.loads(seen.body)
    for name in ("LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET", "DROVER_HEARTBEAT_FD", "WATCHDOG_USEC"):
        assert env[name] is None, name
    assert env["DROVER_POOL"] == "web"  # informational variables stay
    assert env["DROVER_WORKER_INDEX"] == "2"


@pytest.mark.parametrize(
    ("app", "args"),
    [
        ("raw:app", ()),
        ("raw:api.app", ()),
        ("raw:create_app", ("--factory",)),
        ("raw:create_app()", ()),
        ("07_app:app", ()),  # a module name that is not an identifier, as Gunicorn imports it
        ("07_app:create_app()", ()),
        ("my-app:app", ()),
    ],
    ids=["plain", "dotted", "factory", "factory-call", "digit-first", "digit-first-factory", "hyphen"],
)
def test_app_specs(spawn, app, args):
    worker = spawn(app, *args, "--http", "h11", "--loop", "asyncio", notify="abstract")
    worker.wait_ready()
    response = worker.connect().get("/x")
    assert (response.status, response.body) == (200, b"raw /x")


def test_app_dir_and_access_log(spawn, tmp_path):
    (tmp_path / "elsewhere.py").write_text("from raw import app\n")
    worker = spawn("elsewhere:app", "--app-dir", str(tmp_path))
    worker.wait_ready()
    assert worker.connect().get("/logged").status == 200
    worker.send_signal(signal.SIGINT)
    assert worker.wait_exit() == 0
    assert '"GET /logged HTTP/1.1" 200' in worker.stdout()
