"""Logging options: --access-logfile (stdout, none, a file reopened on SIGUSR1), the access log's
fixed INFO level, and --log-format json."""

from __future__ import annotations

import json
import logging
import os
import re
import signal

import pytest
from workers import wait_until

ERROR_KEYS = {"time", "level", "logger", "pid", "message"}
ACCESS_KEYS = {"time", "level", "logger", "pid", "client", "method", "path", "http_version", "status"}
TIME_PATTERN = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"


def read(path) -> str:
    return path.read_text() if path.exists() else ""


def test_access_log_to_a_file_not_stdout(spawn, tmp_path):
    log = tmp_path / "logs" / "access.log"
    log.parent.mkdir()
    log.write_text("earlier line\n")  # appended to, not truncated
    worker = spawn("hello:app", "--access-logfile", str(log))
    worker.wait_ready()
    conn = worker.connect()
    assert conn.get("/to-file?x=1").status == 404
    conn.close()  # nothing for the idle grace to wait for
    wait_until(lambda: '"GET /to-file?x=1 HTTP/1.1" 404' in read(log), message="the access line in the file")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait_exit() == 0
    assert read(log).startswith("earlier line\n")
    assert "\x1b[" not in read(log), "no colours in a file"
    assert "GET /" not in worker.stdout()
    assert "GET /" not in worker.stderr()


@pytest.mark.parametrize(
    "args", [("--access-logfile", ""), ("--no-access-log",)], ids=["empty-target", "no-access-log"]
)
def test_no_access_log_anywhere(spawn, tmp_path, args):
    worker = spawn("hello:app", *args)
    worker.wait_ready()
    assert worker.connect().get("/unlogged").status == 404
    worker.send_signal(signal.SIGINT)
    assert worker.wait_exit() == 0
    assert "/unlogged" not in worker.stdout() + worker.stderr()
    assert not list(tmp_path.glob("*.log"))


def test_access_log_stays_at_info_with_log_level_warning(spawn):
    worker = spawn("hello:app", "--log-level", "warning")
    worker.wait_ready()
    assert worker.connect().get("/quiet").status == 404
    wait_until(lambda: '"GET /quiet HTTP/1.1" 404' in worker.stdout(), message="the access line on stdout")
    worker.send_signal(signal.SIGINT)
    assert worker.wait_exit() == 0
    stderr = worker.stderr()
    assert "Application startup complete." not in stderr
    assert "Ready: serving on" not in stderr


def test_access_logfile_that_cannot_be_opened_exits_2(spawn, tmp_path):
    target = tmp_path / "missing" / "access.log"
    worker = spawn("hello:app", "--access-logfile", str(target))
    assert worker.wait_exit() == 2
    assert worker.stderr() == f"drover-worker: --access-logfile {target}: No such file or directory\n"


def test_sigusr1_reopens_the_access_log_file(spawn, tmp_path):
    log = tmp_path / "access.log"
    rotated = tmp_path / "access.log.1"
    worker = spawn("hello:app", "--access-logfile", str(log))
    worker.wait_ready()
    conn = worker.connect()
    assert conn.get("/before").status == 404
    wait_until(lambda: "GET /before " in read(log), message="the first access line")

    os.rename(log, rotated)  # what logrotate does, then it sends USR1
    worker.send_signal(signal.SIGUSR1)
    wait_until(
        lambda: f"SIGUSR1 received: reopened the access log {log}" in worker.stderr(), message="the reopen log line"
    )
    assert log.exists(), "reopening creates the file again"
    assert conn.get("/after").status == 404  # same keep-alive connection: the handler is shared
    wait_until(lambda: "GET /after " in read(log), message="the access line in the new file")
    assert "GET /before " not in read(log)
    assert "GET /after " not in read(rotated)
    assert worker.proc.poll() is None


def test_json_log_format(spawn):
    worker = spawn("hello:app", "--log-format", "json")
    worker.wait_ready()
    conn = worker.connect()
    assert conn.get("/?q=1").status == 200
    assert conn.get("/boom").status == 500
    wait_until(lambda: worker.stdout().count("\n") >= 2, message="two access lines")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait_exit() == 0

    access = [json.loads(line) for line in worker.stdout().splitlines()]
    assert [set(record) for record in access] == [ACCESS_KEYS, ACCESS_KEYS]
    first = access[0]
    assert first["logger"] == "uvicorn.access" and first["level"] == "info"
    assert (first["method"], first["path"], first["http_version"], first["status"]) == ("GET", "/?q=1", "1.1", 200)
    host, port = conn.sock.getsockname()
    assert first["client"] == f"{host}:{port}"
    assert first["pid"] == worker.proc.pid
    assert access[1]["status"] == 500

    records = [json.loads(line) for line in worker.stderr().splitlines()]  # every line is JSON
    for record in records:
        assert set(record) - {"exception"} == ERROR_KEYS, record
        assert record["pid"] == worker.proc.pid
    for record in records + access:
        assert re.match(TIME_PATTERN, record["time"]), record["time"]
    messages = {record["message"].rstrip(): record for record in records}  # uvicorn ends one with "\n"
    assert messages["Application startup complete."]["logger"] == "uvicorn.error"
    assert messages["Application startup complete."]["level"] == "info"
    assert any(message.startswith("Ready: serving on http://") for message in messages)
    failure = messages["Exception in ASGI application"]
    assert failure["level"] == "error"
    assert failure["exception"].startswith("Traceback (most recent call last):")
    assert failure["exception"].endswith("RuntimeError: boom")


def test_json_formatter_utc_milliseconds():
    from drover_worker.logs import JsonFormatter

    record = logging.LogRecord("uvicorn.error", logging.WARNING, __file__, 1, "x=%d", (1,), None)
    record.created, record.msecs = 86400.5, 500.0
    data = json.loads(JsonFormatter().format(record))
    assert data["time"] == "1970-01-02T00:00:00.500Z"
    assert (data["level"], data["message"], data["pid"]) == ("warning", "x=1", os.getpid())


def test_access_log_switches_are_an_alias_of_the_target():
    from drover_worker.cli import parse_args

    def target(*argv: str) -> str:
        return parse_args([*argv, "hello:app"]).access_logfile

    assert target() == "-"
    assert target("--no-access-log") == ""
    assert target("--no-access-log", "--access-log") == "-"
    assert target("--access-logfile", "a.log", "--access-log") == "a.log"
    assert target("--access-logfile", "a.log", "--no-access-log") == ""
    assert target("--no-access-log", "--access-logfile", "a.log") == "a.log"
