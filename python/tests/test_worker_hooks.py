"""Gunicorn's worker-side hooks in a real worker: ``--gunicorn-config FILE --worker-hooks LIST``."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from gunicorn_tools import launcher_env
from workers import APPS, TIMEOUT, wait_until

ALL = "post_fork,post_worker_init,worker_int,worker_abort,worker_exit"

# Each hook appends one JSON line to $HOOK_LOG: which hook, in which process, whether the app was imported yet.
CONFIG = """\
import json
import os
import sys

print("printed by the config file")
workers = 4
timeout = 45


def record(hook, worker, **data):
    with open(os.environ["HOOK_LOG"], "a") as log:
        data.update(hook=hook, pid=worker.pid, ppid=worker.ppid, age=worker.age, alive=worker.alive,
                    app_imported="hello" in sys.modules, timeout=worker.cfg.timeout)
        log.write(json.dumps(data) + "\\n")


def post_fork(server, worker):
    server.log.info("Worker spawned (pid: %s)", worker.pid)
    record("post_fork", worker, server_pid=server.pid, workers=server.cfg.workers)


def post_worker_init(worker):
    record("post_worker_init", worker, booted=worker.booted)


def worker_int(worker):
    record("worker_int", worker)


def worker_abort(worker):
    record("worker_abort", worker, aborted=worker.aborted)


def worker_exit(server, worker):
    record("worker_exit", worker)
"""


def write_config(directory: Path, text: str = CONFIG) -> str:
    path = directory / "gunicorn_conf.py"
    path.write_text(text)
    return str(path)


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def hooks_seen(path: Path) -> list[str]:
    return [entry["hook"] for entry in records(path)]


def test_post_fork_before_the_app_post_worker_init_after_and_worker_exit_on_sigterm(spawn, tmp_path):
    log = tmp_path / "hooks.jsonl"
    config = write_config(tmp_path)
    worker = spawn(
        "hello:app", "--gunicorn-config", config, "--worker-hooks", ALL,
        env={"HOOK_LOG": str(log), "DROVER_WORKER_AGE": "7"},
    )  # fmt: skip
    worker.wait_ready()
    pid = worker.proc.pid
    fork, init = records(log)
    assert fork == {
        "hook": "post_fork", "pid": pid, "ppid": fork["server_pid"], "age": 7, "alive": True,
        "app_imported": False, "timeout": 45, "server_pid": fork["server_pid"], "workers": 4,
    }  # fmt: skip
    assert init["hook"] == "post_worker_init" and init["app_imported"] is True and init["booted"] is False
    assert "printed by the config file" not in worker.stdout()
    assert f"Worker spawned (pid: {pid})" in worker.stderr()

    assert worker.connect().get("/").status == 200
    worker.send_signal(signal.SIGTERM)
    assert worker.wait_exit() == 0
    assert hooks_seen(log) == ["post_fork", "post_worker_init", "worker_exit"]
    assert records(log)[-1]["alive"] is False


def test_worker_int_on_sigint(spawn, tmp_path):
    log = tmp_path / "hooks.jsonl"
    worker = spawn("hello:app", "--gunicorn-config", write_config(tmp_path), "--worker-hooks", ALL,
                   env={"HOOK_LOG": str(log)})  # fmt: skip
    worker.wait_ready()
    worker.send_signal(signal.SIGINT)
    assert worker.wait_exit() == 0
    assert hooks_seen(log) == ["post_fork", "post_worker_init", "worker_int", "worker_exit"]


def test_worker_abort_after_the_stack_dump_then_death_by_sigabrt(spawn, tmp_path):
    log = tmp_path / "hooks.jsonl"
    worker = spawn("blocking:app", "--gunicorn-config", write_config(tmp_path), "--worker-hooks", ALL,
                   env={"HOOK_LOG": str(log)})  # fmt: skip
    worker.wait_ready()
    conn = worker.connect()
    conn.send_request("/block?s=3")  # the loop is stuck in time.sleep, as a hung worker's would be
    wait_until(lambda: worker.stamp_age() > 0.5, message="the loop to block")
    worker.send_signal(signal.SIGABRT)
    assert worker.wait_exit() == -signal.SIGABRT
    assert hooks_seen(log) == ["post_fork", "post_worker_init", "worker_abort", "worker_exit"]
    assert records(log)[2]["aborted"] is True
    stderr = worker.stderr()
    assert "Fatal Python error: Aborted" in stderr and "block_the_event_loop" in stderr  # faulthandler's dump


def test_only_the_listed_hooks_are_called(spawn, tmp_path):
    log = tmp_path / "hooks.jsonl"
    worker = spawn("hello:app", "--gunicorn-config", write_config(tmp_path), "--worker-hooks", "post_worker_init",
                   env={"HOOK_LOG": str(log)})  # fmt: skip
    worker.wait_ready()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait_exit() == 0
    assert hooks_seen(log) == ["post_worker_init"]


def test_gunicorn_config_alone_runs_nothing(spawn, tmp_path):
    config = write_config(tmp_path, "raise RuntimeError('must not run')\n")
    worker = spawn("hello:app", "--gunicorn-config", config)
    worker.wait_ready()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait_exit() == 0


@pytest.mark.parametrize("hook", ["post_fork", "post_worker_init"])
def test_a_failing_boot_hook_exits_3_with_one_line(spawn, tmp_path, hook):
    args = "server, worker" if hook == "post_fork" else "worker"
    config = write_config(tmp_path, f"def {hook}({args}):\n    raise RuntimeError('no tracer')\n")
    worker = spawn("hello:app", "--gunicorn-config", config, "--worker-hooks", hook)
    assert worker.wait_exit() == 3
    stderr = worker.stderr()
    assert f"[ERROR] Exception in {hook} hook" in stderr and "Traceback (most recent call last):" in stderr
    assert stderr.strip().splitlines()[-1] == f"drover-worker: {hook}: RuntimeError: no tracer (in {config})"
    assert worker.notify is not None
    assert not [m for m in worker.notify.drain() if "READY" in m]


def test_a_config_that_fails_in_the_worker_exits_3(spawn, tmp_path):
    config = write_config(tmp_path, "def post_fork(server, worker):\n    pass\nworkers = 1 / 0\n")
    worker = spawn("hello:app", "--gunicorn-config", config, "--worker-hooks", "post_fork")
    assert worker.wait_exit() == 3
    last = worker.stderr().strip().splitlines()[-1]
    assert last == f"drover-worker: --gunicorn-config {config}:3: ZeroDivisionError: division by zero"


def test_a_failing_worker_exit_is_only_logged(spawn, tmp_path):
    config = write_config(tmp_path, "def worker_exit(server, worker):\n    raise RuntimeError('flush failed')\n")
    worker = spawn("hello:app", "--gunicorn-config", config, "--worker-hooks", "worker_exit")
    worker.wait_ready()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait_exit() == 0
    assert "[ERROR] Exception in worker_exit hook" in worker.stderr()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--worker-hooks", "post_fork,on_starting"], "argument --worker-hooks: 'on_starting' is not a worker-side"),
        (["--worker-hooks", "post_fork"], "drover-worker: --worker-hooks needs --gunicorn-config FILE"),
    ],
)
def test_bad_worker_hook_arguments_exit_2(args, message):
    result = subprocess.run(
        [sys.executable, "-m", "drover_worker", *args, "hello:app"],
        cwd=APPS, env=launcher_env(), capture_output=True, text=True, timeout=TIMEOUT,
    )  # fmt: skip
    assert result.returncode == 2
    assert message in result.stderr.strip().splitlines()[-1]
