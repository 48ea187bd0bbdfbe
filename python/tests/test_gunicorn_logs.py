"""Gunicorn's log formats in text mode: error lines, access lines (default and --access-logformat, compared with
real Gunicorn 27), and the log configs (--log-config, --log-config-json, --log-config-dict)."""

from __future__ import annotations

import json
import re
import signal

import pytest
from gunicorn_ref import exchange, gunicorn
from workers import wait_until

DATE = r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\]"
CLF_DATE = r"\[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]"
ATOMS = "h l u r m U q H s B b f a {x-in}i {X-Out}o {nope}i {raw_uri}e {path_info}e {http_x_in}e {nope}e".split()
REQUESTS = [
    b"GET /plain HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    b'GET /status/404?a=1&b=%22q%22 HTTP/1.1\r\nHost: t\r\nReferer: http://ref/x\r\nUser-Agent: agent "7"\r\n'
    b"X-In: one\r\nX-In: two\r\nAuthorization: Basic dXNlcjpwdw==\r\nConnection: close\r\n\r\n",
    b"POST /path%20with%20space/ HTTP/1.0\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc",
]


def error_lines(text: str) -> list[str]:
    """The lines that start a log record (tracebacks continue them)."""
    return [line for line in text.splitlines() if line.startswith("[")]


def stop(worker) -> None:
    worker.send_signal(signal.SIGTERM)
    assert worker.wait_exit() == 0


def test_error_lines_are_gunicorns(spawn):
    worker = spawn("hello:app", "--log-level", "debug")
    worker.wait_ready()
    assert worker.connect().get("/boom").status == 500
    stop(worker)
    pid = worker.proc.pid
    stderr = worker.stderr()
    for line in error_lines(stderr):
        assert re.match(rf"{DATE} \[{pid}\] \[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\] ", line), line
    for message in (
        f"[INFO] Started server process [{pid}]",
        "[INFO] Waiting for application startup.",
        "[INFO] Application startup complete.",
        "[INFO] Ready: serving on http://",
        "[DEBUG] fd 3 (unnamed): http://",
        "[ERROR] Exception in ASGI application\nTraceback (most recent call last):",
        "[INFO] Finished server process",
    ):
        assert message in stderr, message
    assert "INFO:" not in stderr
    assert stderr.rstrip().endswith(f"[{pid}] [INFO] Finished server process [{pid}]")


def test_default_access_line(spawn):
    worker = spawn("hello:app")
    worker.wait_ready()
    exchange(worker.listeners[0], REQUESTS[1].replace(b"/status/404", b"/missing"))
    wait_until(lambda: worker.stdout(), message="the access line")
    stop(worker)
    line = worker.stdout().splitlines()[0]
    expected = (
        rf'127\.0\.0\.1 - user {CLF_DATE} "GET /missing\?a=1&b=%22q%22 HTTP/1\.1" 404 9 "http://ref/x" "agent \\"7\\""'
    )
    assert re.fullmatch(expected, line), line
    assert worker.stderr().count("GET /missing") == 0


@pytest.mark.parametrize("http", ["httptools", "h11"])
def test_access_atoms_match_gunicorn(spawn, tmp_path, http):
    fmt = "|".join(f"%({atom})s" for atom in ATOMS)
    worker = spawn("twin:asgi", "--http", http, "--access-logformat", fmt)
    worker.wait_ready()
    ours = [exchange(worker.listeners[0], request) for request in REQUESTS]
    wait_until(lambda: worker.stdout().count("\n") == len(REQUESTS), message="our access lines")
    stop(worker)
    with gunicorn(tmp_path, "--access-logfile", "-", "--access-logformat", fmt) as (listener, stdout, _):
        theirs = [exchange(listener, request) for request in REQUESTS]
        wait_until(lambda: stdout.read_text().count("\n") == len(REQUESTS), message="Gunicorn's access lines")
        expected = stdout.read_text().splitlines()
    assert [answer.split(b" ", 2)[1] for answer in ours] == [answer.split(b" ", 2)[1] for answer in theirs]
    assert worker.stdout().splitlines() == expected


def test_time_and_process_atoms(spawn):
    worker = spawn("hello:app", "--access-logformat", "%(t)s %(T)s %(D)s %(M)s %(L)s %(p)s %(B)s %(b)s")
    worker.wait_ready()
    assert worker.connect().get("/slow?s=0.2").status == 200
    wait_until(lambda: worker.stdout(), message="the access line")
    stop(worker)
    match = re.fullmatch(rf"({CLF_DATE}) (\d+) (\d+) (\d+) (\d+)\.(\d{{6}}) <(\d+)> 9 9", worker.stdout().strip())
    assert match, worker.stdout()
    seconds, micros, millis, whole, fraction, pid = (int(value) for value in match.groups()[1:])
    assert 190_000 <= micros < 5_000_000  # slept 0.2 s (an event loop timer may fire a little early)
    assert (seconds, millis, whole, fraction) == (
        micros // 1_000_000,
        micros // 1000,
        micros // 1_000_000,
        micros % 1_000_000,
    )
    assert pid == worker.proc.pid


def test_access_logformat_in_a_file_and_json_unchanged(spawn, tmp_path):
    log = tmp_path / "access.log"
    worker = spawn("hello:app", "--access-logfile", str(log), "--access-logformat", "%(m)s %(U)s %(s)s")
    worker.wait_ready()
    assert worker.connect().get("/x?y=1").status == 404
    wait_until(lambda: log.exists() and log.read_text(), message="the access line in the file")
    stop(worker)
    assert log.read_text() == "GET /x 404\n"

    worker = spawn("hello:app", "--log-format", "json", "--access-logformat", "%(m)s")
    worker.wait_ready()
    assert worker.connect().get("/").status == 200
    wait_until(lambda: worker.stdout(), message="the JSON access line")
    stop(worker)
    record = json.loads(worker.stdout())
    assert (record["logger"], record["method"], record["path"], record["status"]) == ("uvicorn.access", "GET", "/", 200)


def test_bad_access_logformat_exits_2(spawn):
    worker = spawn("hello:app", "--access-logformat", "%(h)s %(r")
    assert worker.wait_exit() == 2
    assert "argument --access-logformat: not a usable format: incomplete format key" in worker.stderr()


LOG_DICT = {
    "version": 1,
    "root": {"level": "WARNING", "handlers": []},  # the user's "handlers" replace Gunicorn's: no "console" left
    "formatters": {"mine": {"format": "MINE %(name)s %(levelname)s %(message)s"}},
    "handlers": {"mine": {"class": "logging.StreamHandler", "formatter": "mine", "stream": "ext://sys.stderr"}},
    "loggers": {
        "gunicorn.error": {"handlers": ["mine"], "level": "WARNING"},
        "gunicorn.access": {"handlers": ["mine"], "level": "INFO"},
    },
}
LOG_INI = """\
[loggers]
keys=root,error,access

[handlers]
keys=mine

[formatters]
keys=mine

[logger_root]
level=WARNING
handlers=

[logger_error]
qualname=gunicorn.error
level=WARNING
handlers=mine

[logger_access]
qualname=gunicorn.access
level=INFO
handlers=mine

[handler_mine]
class=StreamHandler
formatter=mine
args=(sys.stderr,)

[formatter_mine]
format=MINE %(name)s %(levelname)s %(message)s
"""


@pytest.mark.parametrize("kind", ["dict", "json", "ini"])
def test_log_configs(spawn, tmp_path, kind):
    if kind == "dict":
        args = ("--log-config-dict", json.dumps(LOG_DICT))
    elif kind == "json":
        (tmp_path / "log.json").write_text(json.dumps(LOG_DICT))
        args = ("--log-config-json", str(tmp_path / "log.json"))
    else:
        (tmp_path / "log.ini").write_text(LOG_INI)
        args = ("--log-config", str(tmp_path / "log.ini"))
    worker = spawn("hello:app", *args)
    worker.wait_ready()
    assert worker.connect().get("/boom").status == 500
    wait_until(lambda: "MINE gunicorn.access INFO 127.0.0.1 - - [" in worker.stderr(), message="the access line")
    stop(worker)
    stderr = worker.stderr()
    assert "MINE uvicorn.error ERROR Exception in ASGI application" in stderr
    assert "Application startup complete." not in stderr  # gunicorn.error is at WARNING: uvicorn.error follows it
    assert '"GET /boom HTTP/1.1" 500' in stderr
    assert worker.stdout() == ""


def test_log_config_defaults_send_access_lines_to_stdout_once(spawn):
    # Gunicorn's CONFIG_DEFAULTS: gunicorn.access goes to stdout in the generic format (even with --no-access-log).
    worker = spawn("hello:app", "--no-access-log", "--log-config-dict", '{"root": {"level": "WARNING"}}')
    worker.wait_ready()
    assert worker.connect().get("/").status == 200
    wait_until(lambda: "GET / HTTP/1.1" in worker.stdout(), message="the access line")
    stop(worker)
    lines = worker.stdout().splitlines()
    assert len(lines) == 1
    assert re.fullmatch(
        rf'{DATE} \[{worker.proc.pid}\] \[INFO\] 127\.0\.0\.1 - - {CLF_DATE} "GET / HTTP/1.1" 200 .*', lines[0]
    )
    assert "[INFO] Application startup complete." in worker.stderr()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--log-config", "missing.ini"),
            "drover-worker: --log-config missing.ini: Error: log config 'missing.ini' not found\n",
        ),
        (
            ("--log-config-dict", '{"handlers": {"h": {"class": "no.such.Handler"}}}'),
            "drover-worker: --log-config-dict: Unable to configure handler 'h'"
            " (ValueError: Cannot resolve 'no.such.Handler': No module named 'no')\n",
        ),
    ],
    ids=["missing-ini", "bad-handler"],
)
def test_log_config_errors_exit_2(spawn, args, message):
    worker = spawn("hello:app", *args)
    assert worker.wait_exit() == 2
    assert worker.stderr() == message


def test_missing_json_log_config_is_skipped_with_a_warning(spawn, tmp_path):
    worker = spawn("hello:app", "--log-config-json", str(tmp_path / "none.json"))
    worker.wait_ready()
    stop(worker)
    assert (
        f"[WARNING] --log-config-json {tmp_path / 'none.json'}: no such file; log config not applied" in worker.stderr()
    )


def test_sigusr1_reopens_a_log_configs_files(spawn, tmp_path):
    log = tmp_path / "error.log"
    config = {
        "root": {"level": "WARNING", "handlers": []},
        "handlers": {"file": {"class": "logging.FileHandler", "filename": str(log), "formatter": "generic"}},
        "loggers": {"gunicorn.error": {"handlers": ["file"], "level": "INFO"}},
    }
    worker = spawn("hello:app", "--log-config-dict", json.dumps(config))
    worker.wait_ready()
    wait_until(lambda: "Application startup complete." in log.read_text(), message="the startup line in the file")
    log.rename(tmp_path / "error.log.1")
    worker.send_signal(signal.SIGUSR1)
    wait_until(lambda: log.exists() and f"reopened the log file {log}" in log.read_text(), message="the new file")
    stop(worker)
    assert "[INFO] Finished server process" in log.read_text()
    assert "Finished server process" not in (tmp_path / "error.log.1").read_text()
