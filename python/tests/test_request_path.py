"""The request path costs what Uvicorn's does: with the access log off, nothing of drover-worker stands
between Uvicorn's protocol and the app until the worker retires (retire.py installs its Connection: close
then, per connection)."""

from __future__ import annotations

import signal

import pytest

IMPLEMENTATIONS = [("uvloop", "httptools"), ("asyncio", "h11")]
IDS = ["uvloop-httptools", "asyncio-h11"]
UVICORN_SEND = b"RequestResponseCycle.send"


@pytest.mark.parametrize(("loop", "http"), IMPLEMENTATIONS, ids=IDS)
def test_no_launcher_layer_per_request_until_retirement(spawn, loop, http):
    worker = spawn("sendpath:app", "--loop", loop, "--http", http, "--access-logfile", "", "--idle-grace", "5")
    worker.wait_ready()
    conn = worker.connect()
    for _ in range(3):
        response = conn.get("/")
        assert response.status == 200
        assert response.body == UVICORN_SEND
        assert not response.closes

    worker.send_signal(signal.SIGTERM)
    worker.notify.wait_for("STOPPING")
    response = conn.get("/")  # the kept-alive connection's one last request, answered with a close
    assert response.status == 200
    assert response.body != UVICORN_SEND
    assert response.closes
    conn.wait_eof()
    assert worker.wait_exit() == 0


def test_the_access_log_logs_every_answer_across_a_retirement(spawn, tmp_path):
    log = tmp_path / "access.log"
    worker = spawn("sendpath:app", "--access-logfile", str(log), "--access-logformat", '"%(r)s" %(s)s')
    worker.wait_ready()
    conn = worker.connect()
    assert conn.get("/").body != UVICORN_SEND  # the access log's send wrapper
    worker.send_signal(signal.SIGTERM)
    worker.notify.wait_for("STOPPING")
    assert conn.get("/last").closes
    conn.wait_eof()
    assert worker.wait_exit() == 0
    assert log.read_text().splitlines() == ['"GET / HTTP/1.1" 200', '"GET /last HTTP/1.1" 200']
