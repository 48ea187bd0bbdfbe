"""``drover-worker --hook-runner FILE --channel-fd 3``: Gunicorn's master-side hooks on droverd's requests."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
from pathlib import Path

import pytest
from gunicorn_tools import CONFIGS, HookRunner
from workers import wait_until

GUNICORN_LINE = re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[\d+\] \[(\w+)\] (.*)$", re.M)

# Each hook appends one JSON line to $HOOK_LOG with what it was given.
RECORDING_CONFIG = """\
import json
import os

print("this line was already shown by --read-config")
workers = 2
loglevel = "debug"


def record(hook, **data):
    with open(os.environ["HOOK_LOG"], "a") as log:
        log.write(json.dumps({"hook": hook, **data}) + "\\n")


def on_starting(server):
    server.log.info("starting with %d workers", server.cfg.workers)
    record("on_starting", pid=server.pid, workers=server.cfg.workers, bind=server.cfg.bind,
           timeout=server.cfg.timeout, loglevel=server.cfg.loglevel, proc_name=server.proc_name,
           num_workers=server.num_workers, worker_class=server.cfg.worker_class_str)


def when_ready(server):
    record("when_ready", pid=server.pid)


def on_reload(server):
    record("on_reload", pid=server.pid)


def pre_fork(server, worker):
    record("pre_fork", age=worker.age, ppid=worker.ppid)


def child_exit(server, worker):
    record("child_exit", pid=worker.pid, age=worker.age, alive=worker.alive, exit_status=worker.exit_status)


def nworkers_changed(server, new_value, old_value):
    record("nworkers_changed", new=new_value, old=old_value)


def on_exit(server):
    record("on_exit", pid=server.pid)
"""


@pytest.fixture
def runners():
    started: list[HookRunner] = []
    yield started
    for runner in started:
        runner.kill()


def start(runners: list[HookRunner], directory: Path, text: str, env: dict[str, str] | None = None) -> HookRunner:
    (directory / "gunicorn_conf.py").write_text(text)
    runner = HookRunner("gunicorn_conf.py", cwd=directory, env=env)
    runners.append(runner)
    return runner


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_every_master_hook_gets_gunicorns_arguments(tmp_path, runners):
    log = tmp_path / "hooks.jsonl"
    runner = start(runners, tmp_path, RECORDING_CONFIG, env={"HOOK_LOG": str(log)})
    config = {"workers": 3, "bind": ["0.0.0.0:80"], "worker_class": "uvicorn.workers.UvicornWorker"}
    assert runner.hook("on_starting", config) == {"id": 1, "ok": True}
    assert runner.hook("when_ready", config)["ok"]
    assert runner.hook("pre_fork", config, worker={"pid": None, "age": 1, "slot": 0, "generation": 1})["ok"]
    assert runner.hook("child_exit", config, worker={"pid": 4321, "age": 1, "exit_status": 0, "exit_signal": None})[
        "ok"
    ]
    assert runner.hook("nworkers_changed", config, new=4, old=3)["ok"]
    assert runner.hook("on_reload", config)["ok"]
    assert runner.hook("on_exit", config)["ok"]
    status, stdout, stderr = runner.finish()
    assert status == 0  # EOF on fd 3
    assert stdout == ""  # the file's print is discarded
    assert records(log) == [
        {
            "hook": "on_starting",
            "pid": 4242,
            "workers": 3,  # droverd's value over the file's
            "bind": ["0.0.0.0:80"],
            "timeout": 30,  # Gunicorn's default
            "loglevel": "debug",  # the file's own
            "proc_name": "main:app",
            "num_workers": 2,
            "worker_class": "uvicorn.workers.UvicornWorker",
        },
        {"hook": "when_ready", "pid": 4242},
        {"hook": "pre_fork", "age": 1, "ppid": 4242},
        {"hook": "child_exit", "pid": 4321, "age": 1, "alive": False, "exit_status": 0},
        {"hook": "nworkers_changed", "new": 4, "old": 3},
        {"hook": "on_reload", "pid": 4242},
        {"hook": "on_exit", "pid": 4242},
    ]
    assert ("INFO", "starting with 3 workers") in GUNICORN_LINE.findall(stderr)


def test_a_hook_that_raises_answers_ok_false_and_logs_its_traceback(tmp_path, runners):
    runner = start(runners, tmp_path, "def when_ready(server):\n    raise ValueError('boom')\n")
    assert runner.hook("when_ready") == {"id": 1, "ok": False, "error": "when_ready: ValueError: boom"}
    assert runner.hook("on_starting") == {"id": 2, "ok": True}  # not defined: Gunicorn's no-op
    unknown = runner.hook("post_fork")
    assert unknown["ok"] is False and unknown["error"].startswith("unknown hook 'post_fork': expected one of")
    assert runner.request({"hook": "when_ready", "server": {}})["error"] == "when_ready: ValueError: boom"
    status, _, stderr = runner.finish()
    assert status == 0
    assert GUNICORN_LINE.findall(stderr)[0] == ("ERROR", "Exception in when_ready hook")
    assert "Traceback (most recent call last):" in stderr
    assert "raise ValueError('boom')" in stderr


def test_a_bad_request_line_is_answered_and_the_runner_goes_on(tmp_path, runners):
    runner = start(runners, tmp_path, "def on_exit(server):\n    pass\n")
    runner.stream.write(b"this is not json\n")
    runner.stream.flush()
    reply = json.loads(runner.stream.readline())
    assert reply["id"] is None and reply["ok"] is False and reply["error"].startswith("bad request:")
    assert runner.hook("on_exit")["ok"]


def test_reload_runs_the_file_again_and_a_broken_file_keeps_the_old_hooks(tmp_path, runners):
    marker = tmp_path / "marker"
    text = "import pathlib\n\ndef on_reload(server):\n    pathlib.Path({path!r}).write_text({word!r})\n"
    runner = start(runners, tmp_path, text.format(path=str(marker), word="first"))
    assert runner.hook("on_reload")["ok"]
    assert marker.read_text() == "first"

    (tmp_path / "gunicorn_conf.py").write_text(text.format(path=str(marker), word="second"))
    assert runner.request({"reload": True}) == {"id": 2, "ok": True}
    assert runner.hook("on_reload")["ok"]
    assert marker.read_text() == "second"

    (tmp_path / "gunicorn_conf.py").write_text("def on_reload(server):\n    pass\nworkers = = 2\n")
    reply = runner.request({"reload": True})
    assert reply == {"id": 4, "ok": False, "error": "gunicorn_conf.py:3: SyntaxError: invalid syntax"}
    marker.unlink()
    assert runner.hook("on_reload")["ok"]
    assert marker.read_text() == "second"  # still the hooks of the last good reading


def test_sigterm_ends_the_runner_with_status_0(tmp_path, runners):
    runner = start(runners, tmp_path, "def on_exit(server):\n    pass\n")
    assert runner.hook("on_exit")["ok"]  # it is up and waiting for the next request
    runner.proc.send_signal(signal.SIGTERM)
    assert runner.proc.wait(10) == 0


def test_sigterm_during_a_hook_lets_the_hook_finish_and_answer(tmp_path, runners):
    started, release = tmp_path / "started", tmp_path / "release"
    text = (
        "import os, pathlib, time\n\ndef on_exit(server):\n"
        f"    pathlib.Path({str(started)!r}).touch()\n"
        f"    while not os.path.exists({str(release)!r}):\n        time.sleep(0.01)\n"
    )
    runner = start(runners, tmp_path, text)
    runner.stream.write(b'{"id": 1, "hook": "on_exit", "server": {}}\n')
    runner.stream.flush()
    wait_until(started.exists, message="the hook to start")
    runner.proc.send_signal(signal.SIGTERM)
    release.touch()
    assert json.loads(runner.stream.readline()) == {"id": 1, "ok": True}
    assert runner.proc.wait(10) == 0


def test_a_file_that_fails_at_start_exits_1_with_one_line(tmp_path, runners):
    runner = start(runners, tmp_path, "def on_exit(server):\n    pass\nraise RuntimeError('no database')\n")
    status, _, stderr = runner.finish()
    assert status == 1
    assert stderr.strip().splitlines()[-1] == "drover-worker: gunicorn_conf.py:3: RuntimeError: no database"


# -- a real config: prometheus_client's multiprocess mode ------------------------------------------


def test_prometheus_multiprocess_config(tmp_path, runners):
    pytest.importorskip("prometheus_client")
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    (metrics / "counter_1.db").write_bytes(b"left over from the previous run")
    shutil.copy(CONFIGS / "prometheus_conf.py", tmp_path / "gunicorn_conf.py")
    runner = HookRunner("gunicorn_conf.py", cwd=tmp_path, env={"PROMETHEUS_MULTIPROC_DIR": str(metrics)})
    runners.append(runner)

    assert runner.hook("on_starting") == {"id": 1, "ok": True}
    assert os.listdir(metrics) == []  # wiped

    # A worker's files as prometheus_client writes them: a live gauge and a counter.
    live, counter = metrics / "gauge_livesum_4321.db", metrics / "counter_4321.db"
    other = metrics / "gauge_livesum_4322.db"
    for path in (live, counter, other):
        path.write_bytes(b"\0" * 8)
    assert runner.hook("child_exit", worker={"pid": 4321, "age": 1, "exit_status": 0, "exit_signal": None})["ok"]
    assert not live.exists()  # mark_process_dead removed that worker's live gauge
    assert counter.exists() and other.exists()  # counters are kept; other workers untouched

    status, _, stderr = runner.finish()
    assert status == 0
    assert ("INFO", f"Cleared the Prometheus multiprocess directory {metrics}") in GUNICORN_LINE.findall(stderr)
