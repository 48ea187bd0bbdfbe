"""Startup failures and their exit statuses: 2 for the environment or arguments, 4 for an app that
cannot be loaded, 3 for one that does not start."""

from __future__ import annotations

import subprocess
import sys

import pytest
from workers import APPS, PACKAGE_ROOT


def _load_error(worker) -> tuple[str, str]:
    """The summary and the unescaped traceback of the DROVER_LOAD_ERROR datagram."""
    assert worker.notify is not None
    messages = [m for m in worker.notify.drain() if "DROVER_LOAD_ERROR" in m]
    assert len(messages) == 1, messages
    fields = messages[0]
    text = fields["DROVER_TRACEBACK"].replace("\\n", "\n").replace("\\\\", "\\")
    return fields["DROVER_LOAD_ERROR"], text


def test_import_error_exits_4_and_tells_droverd_the_traceback(spawn):
    worker = spawn("broken_import:app")
    assert worker.wait_exit() == 4  # Gunicorn's APP_LOAD_ERROR
    assert worker.stderr() == ""  # droverd prints it, once for all the workers
    summary, text = _load_error(worker)
    assert summary == "ModuleNotFoundError: No module named 'drover_test_module_that_does_not_exist'"
    lines = text.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert "broken_import.py" in lines[1]
    assert lines[-1] == summary
    assert "drover_worker" not in text and "importlib" not in text  # the app's frames only


def test_import_error_without_droverd_prints_the_traceback(spawn):
    worker = spawn("broken_import:app", notify=None)
    assert worker.wait_exit() == 4
    stderr = worker.stderr()
    assert "Traceback (most recent call last):" in stderr
    assert 'File "' in stderr and "broken_import.py" in stderr
    last = stderr.strip().splitlines()[-1]
    assert last == (
        "drover-worker: cannot load app 'broken_import:app': "
        "ModuleNotFoundError: No module named 'drover_test_module_that_does_not_exist'"
    )


@pytest.mark.parametrize(
    ("app", "args", "summary"),
    [
        ("raw:nope", (), "AttributeError: module 'raw' has no attribute 'nope'"),
        ("no_such_module:app", (), "ModuleNotFoundError: No module named 'no_such_module'"),
        ("raw:broken_factory", ("--factory",), "RuntimeError: the factory is broken"),
    ],
)
def test_app_load_failures_exit_4(spawn, app, args, summary):
    worker = spawn(app, *args)
    assert worker.wait_exit() == 4
    assert _load_error(worker)[0] == summary


def test_missing_attribute_has_no_traceback_of_the_launcher(spawn):
    worker = spawn("raw:nope")
    assert worker.wait_exit() == 4
    assert _load_error(worker)[1] == "AttributeError: module 'raw' has no attribute 'nope'"


def test_lifespan_startup_failure_exits_3(spawn):
    worker = spawn("failing_lifespan:app")
    assert worker.wait_exit() == 3
    stderr = worker.stderr()
    assert "database is unreachable" in stderr
    assert "did not start" in stderr.strip().splitlines()[-1]
    assert worker.notify is not None
    assert not [m for m in worker.notify.drain() if "READY" in m]


def test_no_listen_fds_exits_2(spawn):
    worker = spawn("hello:app", listeners=[])
    assert worker.wait_exit() == 2
    assert worker.stderr() == "drover-worker: no listening sockets: LISTEN_FDS is not set; run me under droverd\n"


def test_listen_pid_of_another_process_is_ignored(spawn):
    worker = spawn("hello:app", listen_pid="1")
    assert worker.wait_exit() == 2
    assert "LISTEN_PID=1 is not this process" in worker.stderr()


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--idle-grace", "-1", "hello:app"],
        ["--http", "h2", "hello:app"],
        ["nocolon"],
        ["07_app:07app"],  # the attribute stays a Python attribute path
        ["raw..x:app"],
        ["my app:app"],
        [":app"],
    ],
)
def test_bad_arguments_exit_2(argv):
    env = {"PYTHONPATH": str(PACKAGE_ROOT), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "drover_worker", *argv], cwd=APPS, env=env, capture_output=True, text=True, timeout=10
    )
    assert result.returncode == 2
    assert "usage: drover-worker" in result.stderr


@pytest.mark.parametrize("app", ["raw:create_app(1)", "raw:create_app(debug=True)"])
def test_factory_arguments_exit_2(app):
    env = {"PYTHONPATH": str(PACKAGE_ROOT), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "drover_worker", app], cwd=APPS, env=env, capture_output=True, text=True, timeout=10
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"drover-worker: error: argument APP: APP {app!r}: arguments to the app factory are not supported; "
        "write 'raw:create_app()' for a factory that takes no arguments"
    )


def test_factory_call_failure_exits_4(spawn):
    worker = spawn("raw:broken_factory()")
    assert worker.wait_exit() == 4
    assert _load_error(worker)[0] == "RuntimeError: the factory is broken"


def test_sigint_while_importing_exits_130_even_when_python_wraps_it(monkeypatch):
    """A KeyboardInterrupt raised inside __set_name__ reaches us as a RuntimeError (Python 3.11):
    still a stop before serving, so exit 130 and no traceback, as droverd's quick stop expects."""
    import drover_worker.__main__ as entry

    def interrupted_import(argv):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise RuntimeError("Error calling __set_name__ on 'cached_property' instance") from exc

    monkeypatch.setattr(entry, "_run", interrupted_import)
    monkeypatch.setattr(entry.faulthandler, "enable", lambda **_: None)
    with pytest.raises(SystemExit) as stopped:
        entry.main()
    assert stopped.value.code == 130

    def failing_import(argv):
        raise RuntimeError("a real error")

    monkeypatch.setattr(entry, "_run", failing_import)
    with pytest.raises(RuntimeError, match="a real error"):
        entry.main()
