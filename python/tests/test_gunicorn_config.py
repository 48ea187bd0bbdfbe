"""``drover-worker --read-config FILE --result-fd 3``: a Gunicorn config file read as Gunicorn 27 reads it."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from gunicorn_tools import CONFIGS, launcher_env, read_config
from workers import APPS, PACKAGE_ROOT, TIMEOUT

from drover_worker.gunicorn_settings import DYNAMIC, HOOKS, SETTINGS, default_value


def copy_config(name: str, directory: Path, as_name: str = "gunicorn_conf.py") -> str:
    shutil.copy(CONFIGS / name, directory / as_name)
    return as_name


def test_seed_default_config_prints_its_json_line_and_gives_its_settings(tmp_path):
    path = copy_config("seed_gunicorn_conf.py", tmp_path)
    got = read_config(path, cwd=tmp_path, env={"PORT": "8080", "LOG_LEVEL": "warning", "MAX_WORKERS": "1"})
    assert got.status == 0, got.stderr
    assert got.stderr == ""
    printed = json.loads(got.stdout)  # the file's own line reaches the real stdout, alone
    assert printed["bind"] == "0.0.0.0:8080" and printed["port"] == "8080" and printed["workers_per_core"] == 1.0
    result = got.result
    assert result["error"] is None
    assert result["settings"] == {
        "loglevel": "warning",
        "workers": 1,
        "bind": ["0.0.0.0:8080"],  # Gunicorn turns a bind string into a list
        "errorlog": "-",
        "worker_tmp_dir": "/dev/shm",
        "accesslog": "-",
        "graceful_timeout": 120,
        "timeout": 120,
        "keepalive": 5,
    }
    assert result["hooks"] == []
    assert "json" not in result["unknown"] and "os" not in result["unknown"]  # modules are not reported
    assert {"cores", "host", "log_data", "port", "use_max_workers", "web_concurrency"} <= set(result["unknown"])
    assert result["unknown"] == sorted(result["unknown"])


def test_seed_default_config_workers_follow_the_cores(tmp_path):
    path = copy_config("seed_gunicorn_conf.py", tmp_path)
    got = read_config(path, cwd=tmp_path, env={"ACCESS_LOG": "", "WORKERS_PER_CORE": "2"})
    assert got.status == 0, got.stderr
    assert got.result["settings"]["workers"] == max(2 * multiprocessing.cpu_count(), 2)
    assert got.result["settings"]["accesslog"] is None
    assert got.result["settings"]["bind"] == ["0.0.0.0:80"]


def test_seed_test_fixture_config(tmp_path):
    path = copy_config("seed_test_conf.py", tmp_path)
    got = read_config(path, cwd=tmp_path)
    assert got.status == 0, got.stderr
    assert json.loads(got.stdout) == {"loglevel": "warning", "workers": 3, "bind": "0.0.0.0:8000"}
    assert got.result == {
        "settings": {"loglevel": "warning", "workers": 3, "bind": ["0.0.0.0:8000"], "errorlog": "-"},
        "hooks": [],
        "drover": {},
        "unknown": ["log_data"],
        "error": None,
    }


def test_drover_names_are_reported_with_their_values_not_as_unknown(tmp_path):
    """Gunicorn ignores names that are not its settings; droverd reads its own ``drover_*`` ones
    (the image's /gunicorn_conf.py says with ``drover_workers_from_cpu`` that it computed workers)."""
    (tmp_path / "conf.py").write_text("workers = 4\ndrover_workers_from_cpu = True\nother = 1\n")
    got = read_config("conf.py", cwd=tmp_path)
    assert got.status == 0, got.stderr
    assert got.result["drover"] == {"drover_workers_from_cpu": True}
    assert got.result["unknown"] == ["other"]


def test_syntax_error_is_one_line_with_file_and_line(tmp_path):
    (tmp_path / "gunicorn_conf.py").write_text('workers = 2\nbind = "0.0.0.0:80"\nloglevel = = "info"\n')
    got = read_config("gunicorn_conf.py", cwd=tmp_path)
    assert got.status == 1
    error = got.result["error"]
    assert error["message"] == "gunicorn_conf.py:3: SyntaxError: invalid syntax"
    assert "SyntaxError" in error["traceback"] and "loglevel = = " in error["traceback"]
    assert got.result["settings"] == {} and got.result["hooks"] == [] and got.result["unknown"] == []


def test_exception_at_top_level_names_the_deepest_line_in_the_file(tmp_path):
    (tmp_path / "conf.py").write_text(
        "import os\n\ndef cores():\n    return int(os.environ['NOT_A_NUMBER'])\n\nworkers = cores()\n"
    )
    got = read_config("conf.py", cwd=tmp_path, env={"NOT_A_NUMBER": "many"})
    assert got.status == 1
    error = got.result["error"]
    assert error["message"] == "conf.py:4: ValueError: invalid literal for int() with base 10: 'many'"
    assert error["traceback"].startswith("Traceback (most recent call last):")
    assert 'conf.py", line 6, in <module>' in error["traceback"]
    assert "gunicorn_config.py" not in error["traceback"]  # only the file's frames


def test_exit_at_top_level_and_a_missing_file(tmp_path):
    (tmp_path / "conf.py").write_text("import sys\nsys.exit(4)\n")
    assert read_config("conf.py", cwd=tmp_path).result["error"]["message"] == "conf.py:2: SystemExit: 4"
    missing = read_config("nowhere.py", cwd=tmp_path)
    assert missing.status == 1
    assert missing.result["error"]["message"] == "nowhere.py: doesn't exist"


def test_unknown_names_hooks_and_values_that_json_cannot_carry(tmp_path):
    (tmp_path / "conf.py").write_text(
        "import os\nimport ssl\nfrom os.path import join\nfrom collections import OrderedDict\n"
        "Workers = 4\n_private = 1\nhost = '0.0.0.0'\n"
        "bind = ('127.0.0.1:8000', ' [::1]:8000 ')\nraw_env = ['A=1', 'B=2']\n"
        "cert_reqs = ssl.CERT_REQUIRED\nworker_class = OrderedDict\nforwarded_allow_ips = {'10.0.0.1'}\n"
        "logconfig_dict = {'version': 1, 1: ('x',)}\n"
        "def post_fork(server, worker):\n    pass\n"
        "def helper():\n    pass\n"
        "child_exit = lambda server, worker: None\n"
        "pre_request = 'os.path.join'\n"
        "on_exit = None\n"
    )
    got = read_config("conf.py", cwd=tmp_path)
    assert got.status == 0, got.stderr
    assert got.result["unknown"] == ["Workers", "host"]  # Gunicorn's names are lowercase only
    assert got.result["hooks"] == ["child_exit", "post_fork", "pre_request"]
    assert got.result["settings"] == {
        "bind": ["127.0.0.1:8000", "[::1]:8000"],
        "raw_env": ["A=1", "B=2"],
        "cert_reqs": 2,
        "worker_class": "<class 'collections.OrderedDict'>",
        "forwarded_allow_ips": "{'10.0.0.1'}",
        "logconfig_dict": {"version": 1, "1": ["x"]},
        "on_exit": None,  # not callable: droverd rejects it, as Gunicorn does
    }


def test_a_hook_import_string_that_does_not_resolve_is_an_error(tmp_path):
    (tmp_path / "conf.py").write_text("post_fork = 'no_such_module_here.post_fork'\n")
    got = read_config("conf.py", cwd=tmp_path)
    assert got.status == 1
    assert got.result["error"]["message"] == "conf.py: post_fork: TypeError: No module named 'no_such_module_here'"


def test_the_app_directory_is_importable_and_other_extensions_warn(tmp_path):
    (tmp_path / "settings_helper.py").write_text("WORKERS = 5\n")
    (tmp_path / "gunicorn.conf").write_text("from settings_helper import WORKERS as workers\n")
    got = read_config("gunicorn.conf", cwd=tmp_path)
    assert got.status == 0, got.stderr
    assert got.result["settings"] == {"workers": 5}
    assert "!!! WARNING: configuration file should have a valid Python extension." in got.stderr


def test_result_fd_must_be_open_and_app_is_refused(tmp_path):
    env = launcher_env()
    run = [sys.executable, "-m", "drover_worker", "--read-config", "conf.py"]
    closed = subprocess.run([*run, "--result-fd", "97"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert closed.returncode == 2
    assert closed.stderr == "drover-worker: --result-fd 97: not an open file descriptor\n"
    with_app = subprocess.run([*run, "--result-fd", "1", "main:app"], cwd=tmp_path, env=env, capture_output=True)
    assert with_app.returncode == 2
    misplaced = subprocess.run(
        [sys.executable, "-m", "drover_worker", "--result-fd", "3", "hello:app"],
        cwd=APPS, env=env, capture_output=True, text=True, timeout=TIMEOUT,
    )  # fmt: skip
    assert misplaced.returncode == 2
    assert misplaced.stderr.strip().splitlines()[-1] == (
        "drover-worker: error: --result-fd goes with --read-config FILE, which takes no APP"
    )


def test_help_lists_the_modes_and_the_worker_flags():
    env = {"PYTHONPATH": str(PACKAGE_ROOT), "PATH": "/usr/bin:/bin"}
    text = subprocess.run(
        [sys.executable, "-m", "drover_worker", "--help"], env=env, capture_output=True, text=True, timeout=TIMEOUT
    ).stdout
    for option in (
        "--read-config",
        "--result-fd",
        "--hook-runner",
        "--channel-fd",
        "--gunicorn-config",
        "--worker-hooks",
    ):
        assert f"  {option} " in text, option


# -- against Gunicorn itself, when a python that has it is at hand ---------------------------------

_DUMP_SETTINGS = """
import json, gunicorn, gunicorn.config as c
rows = {}
for s in c.KNOWN_SETTINGS:
    callable_default = callable(s.default)
    default = None if callable_default else s.default
    try:
        json.dumps(default)
    except TypeError:
        default = int(default)
    rows[s.name] = [callable_default, default]
print(json.dumps({"version": gunicorn.__version__, "settings": rows}))
"""

_LOAD_LIKE_GUNICORN = """
import json, sys
from gunicorn.app.base import Application
class Probe(Application):
    def init(self, parser, opts, args): pass
    def load_config(self): pass
    def load(self): pass
probe = Probe()
namespace = probe.load_config_from_file(sys.argv[1])
names = [k for k in namespace if k in probe.cfg.settings]
hooks = sorted(k for k in names if callable(namespace[k]))
settings = {k: probe.cfg.settings[k].value for k in names if k not in hooks}
print(json.dumps({"settings": settings, "hooks": hooks}, default=str))
"""


def gunicorn_python() -> str:
    """A python that can import gunicorn: this one, or $DROVER_GUNICORN_PYTHON; else skip."""
    for candidate in (sys.executable, os.environ.get("DROVER_GUNICORN_PYTHON")):
        if candidate and subprocess.run([candidate, "-c", "import gunicorn"], capture_output=True).returncode == 0:
            return candidate
    pytest.skip("gunicorn is not importable (set DROVER_GUNICORN_PYTHON to a python that has it)")


def test_settings_table_is_gunicorns():
    python = gunicorn_python()
    dumped = json.loads(subprocess.run([python, "-c", _DUMP_SETTINGS], capture_output=True, check=True).stdout)
    assert dumped["version"] == "27.0.1"
    assert list(dumped["settings"]) == list(SETTINGS)
    assert sorted(name for name, (is_hook, _) in dumped["settings"].items() if is_hook) == sorted(HOOKS)
    dynamic = {name for name, (_, default) in SETTINGS.items() if default is DYNAMIC}
    assert dynamic == {"bind", "workers", "chdir", "user", "group", "forwarded_allow_ips", "control_socket"}
    for name, (is_hook, default) in dumped["settings"].items():
        if not is_hook and name not in dynamic:  # the dynamic ones: test_defaults_are_gunicorns_after_its_validators
            assert SETTINGS[name][1] == default, name


def test_defaults_are_gunicorns_after_its_validators(tmp_path):
    python = gunicorn_python()
    code = (
        "import json, gunicorn.config as c\ncfg = c.Config()\n"
        "print(json.dumps({k: s.value for k, s in cfg.settings.items() if not callable(s.value)}, default=int))"
    )
    env = launcher_env({"PORT": "9000", "WEB_CONCURRENCY": "7", "FORWARDED_ALLOW_IPS": "10.0.0.1,10.0.0.2"})
    theirs = json.loads(subprocess.run([python, "-c", code], cwd=tmp_path, env=env, capture_output=True).stdout)
    ours = subprocess.run(
        [sys.executable, "-c", "import json; from drover_worker.gunicorn_settings import SETTINGS, default_value as d; "
         "print(json.dumps({k: d(k) for k, (kind, _) in SETTINGS.items() if kind != 'hook'}, default=int))"],
        cwd=tmp_path, env=env, capture_output=True, check=True,
    )  # fmt: skip
    assert json.loads(ours.stdout) == theirs
    assert default_value("timeout") == 30


@pytest.mark.parametrize("name", ["seed_gunicorn_conf.py", "seed_test_conf.py", "prometheus_conf.py"])
def test_real_configs_give_what_gunicorn_takes(tmp_path, name):
    python = gunicorn_python()
    path = copy_config(name, tmp_path)
    env = launcher_env({"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")})
    probe = subprocess.run([python, "-c", _LOAD_LIKE_GUNICORN, path], cwd=tmp_path, env=env, capture_output=True)
    if b"No module named 'prometheus_client'" in probe.stderr:
        pytest.skip("the gunicorn python lacks prometheus_client")
    theirs = json.loads(probe.stdout.splitlines()[-1])
    ours = read_config(path, cwd=tmp_path, env={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}).result
    assert ours["hooks"] == theirs["hooks"]
    assert ours["settings"] == theirs["settings"]
