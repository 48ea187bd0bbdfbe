"""The Drover image (packaging/docker) with real containers: the seed image's interface and Drover's
improvements (droverd as PID 1, graceful stop, health check, non-root)."""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from pathlib import Path

import pytest
from conftest import LABEL, REPO, Container, Starter, docker, http_get, wait_until

SEED_KEYS = [
    "loglevel", "workers", "bind", "graceful_timeout", "timeout", "keepalive", "errorlog", "accesslog",
    "workers_per_core", "use_max_workers", "host", "port",
]  # fmt: skip

DEMO_PRESTART_OUTPUT = """\
Checking for script in /app/prestart.sh
Running script /app/prestart.sh
Running inside /app/prestart.sh, you could add migrations to this file, e.g.:

#! /usr/bin/env bash

# Let the DB start
sleep 10;
# Run migrations
alembic upgrade head

"""


def startup_line(stdout: str) -> dict:
    """The seed's one-line JSON configuration (the first line that starts with `{"loglevel"`)."""
    for line in stdout.splitlines():
        if line.startswith('{"loglevel"'):
            return json.loads(line)
    raise AssertionError(f"no start-up JSON line in {stdout!r}")


def test_both_dockerfiles_build_the_same_image_part() -> None:
    """Dockerfile (Swift builder stage) and Dockerfile.prebuilt differ only in where the binaries come from."""
    marker = "# ---- runtime:"
    parts = []
    for name in ("Dockerfile", "Dockerfile.prebuilt"):
        text = (REPO / "packaging/docker" / name).read_text()
        assert marker in text, name
        parts.append(text[text.index(marker) :])
    assert parts[0] == parts[1]


# --- the image as it is -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def default_container(image: str, module_containers: Starter) -> Container:
    container = module_containers(image)
    container.wait_serving()
    return container


def test_prestart_messages_and_json_line(default_container: Container) -> None:
    """The seed's output, verbatim: the demo prestart script's messages, then its JSON line."""
    stdout, _ = default_container.logs()
    assert stdout.startswith(DEMO_PRESTART_OUTPUT), stdout
    first_after_prestart = stdout[len(DEMO_PRESTART_OUTPUT) :].splitlines()[0]
    settings = json.loads(first_after_prestart)
    assert list(settings) == SEED_KEYS
    assert settings["bind"] == "0.0.0.0:80"
    assert settings["host"] == "0.0.0.0"
    assert settings["port"] == "80"
    assert settings["loglevel"] == "info"
    assert settings["workers_per_core"] == 1.0
    assert settings["use_max_workers"] is None
    assert settings["graceful_timeout"] == 120  # the seed's default
    assert settings["timeout"] == 120
    assert settings["workers"] >= 2
    assert settings["accesslog"] == "-" and settings["errorlog"] == "-"


def demo_message(body: str) -> str:
    """The message of the image's /app/main.py (the seed Starlette image's demo app), checked."""
    message = json.loads(body)["message"]
    assert re.fullmatch(r"Hello world! From Starlette running on Uvicorn with Gunicorn\. Using Python 3\.\d+", message)
    return message


def test_hello_world(default_container: Container) -> None:
    """The seed Starlette image's demo app (`@app.route`, which needs Starlette < 1.0)."""
    status, body = http_get(default_container.port, "/")
    assert status == 200
    demo_message(body)
    # The access log line on stdout, as the seed's.
    wait_until("the access log line", lambda: '"GET / HTTP/1.1" 200' in default_container.logs()[0], 5)


def test_droverd_is_pid_1_with_its_workers(default_container: Container) -> None:
    """/start.sh execs droverd with the seed's gunicorn command line, droverd in Gunicorn's place."""
    assert default_container.exec("cat", "/proc/1/comm").stdout.strip() == "droverd"
    cmdline = default_container.exec("cat", "/proc/1/cmdline").stdout.split("\0")[:-1]
    assert cmdline == ["droverd", "-k", "uvicorn.workers.UvicornWorker", "-c", "/gunicorn_conf.py", "main:app"]
    workers = startup_line(default_container.logs()[0])["workers"]
    processes = default_container.processes()
    assert len(processes) == 1 + workers, processes
    status = default_container.status()
    [pool] = status["pools"]
    assert pool["name"] == "web" and pool["ready"] == workers


# --- the seed's defaults and versions ---------------------------------------------------------


def test_seed_versions_and_files(image: str) -> None:
    """uvicorn[standard] 0.52.0 and Starlette 0.50.0 (the seed's pins, the build args' defaults);
    the seed's files; no GRACEFUL_TIMEOUT of the image's own."""
    script = (
        "import os, uvicorn, starlette, uvloop, httptools, watchfiles\n"
        "print(uvicorn.__version__, starlette.__version__)\n"
        "for path in ['/start.sh', '/start-reload.sh', '/gunicorn_conf.py', '/app/main.py', '/app/prestart.sh']:\n"
        "    print(path, os.path.isfile(path))\n"
    )
    output = docker("run", "--rm", "--label", LABEL, image, "python", "-c", script).stdout.splitlines()
    assert output[0].split() == ["0.52.0", "0.50.0"]
    assert all(line.endswith(" True") for line in output[1:]), output
    environment = json.loads(docker("image", "inspect", "--format", "{{json .Config.Env}}", image).stdout)
    assert not [entry for entry in environment if entry.startswith("GRACEFUL_TIMEOUT=")], environment


@pytest.mark.parametrize(
    ("options", "workers"),
    [(("--cpus", "1"), 3), (("--cpus", "0.5"), 3), (("--cpuset-cpus", "0"), 3), (("--cpus", "1.5"), 6)],
    ids=["cpus-1", "cpus-0.5", "cpuset-0", "cpus-1.5"],
)
def test_gunicorn_conf_counts_the_container_cpus(image: str, options: tuple[str, ...], workers: int) -> None:
    """/gunicorn_conf.py's one difference from the seed's: `cores` is what the container may use
    (cgroup quota rounded up, affinity), not the host's CPUs. WORKERS_PER_CORE=3 makes it visible."""
    if (os.cpu_count() or 1) < 2:
        pytest.skip("needs a host with 2 CPUs or more to tell the container's count from the host's")
    output = docker(
        "run", "--rm", "--label", LABEL, *options, "-e", "WORKERS_PER_CORE=3", image, "python", "/gunicorn_conf.py"
    ).stdout  # fmt: skip
    assert json.loads(output)["workers"] == workers


# --- the seed's variables ---------------------------------------------------------------------


def test_max_workers_1_gives_one_worker(image: str, containers: Starter) -> None:
    """MAX_WORKERS=1: droverd and one worker in `docker top` (the floor of 2 comes before the cap);
    a PRE_START_PATH that names no file is reported as the seed reports it."""
    container = containers(image, env={"MAX_WORKERS": "1", "PRE_START_PATH": "/app/none.sh"})
    container.wait_serving()
    stdout, _ = container.logs()
    assert stdout.startswith("Checking for script in /app/none.sh\nThere is no script /app/none.sh\n"), stdout
    settings = startup_line(stdout)
    assert settings["workers"] == 1 and settings["use_max_workers"] == 1
    processes = container.processes()
    assert len(processes) == 2, processes
    assert sum("drover-worker" in line for line in processes) == 1, processes
    status, body = http_get(container.port, "/")
    assert status == 200
    demo_message(body)


def test_custom_app_module(fixture_image: str, containers: Starter) -> None:
    container = containers(fixture_image, env={"APP_MODULE": "custom.service:api", "WEB_CONCURRENCY": "1"})
    container.wait_serving()
    status, body = http_get(container.port, "/")
    assert (status, json.loads(body)) == (200, {"app": "custom.service"})


def test_drover_toml_in_app_is_read(image: str, containers: Starter, tmp_path: Path) -> None:
    """/start.sh names Drover's own file first: an /app/drover.toml sets the worker count."""
    (tmp_path / "drover.toml").write_text("workers = 3\n")
    container = containers(image, options=("-v", f"{tmp_path / 'drover.toml'}:/app/drover.toml:ro"))
    container.wait_serving()
    assert sum("drover-worker" in line for line in container.processes()) == 3, container.processes()
    assert http_get(container.port, "/")[0] == 200


def test_gunicorn_conf_importing_gunicorn(image: str, containers: Starter, tmp_path: Path) -> None:
    """A gunicorn_conf.py that imports from Gunicorn (installed at the seed's pin) loads as in the seed."""
    (tmp_path / "gunicorn_conf.py").write_text(
        "import gunicorn\n"
        "from gunicorn import glogging\n\n"
        "gunicorn.SERVER = 'hidden'\n"
        "bind = '0.0.0.0:80'\n"
        "workers = 3\n"
        "accesslog = '-'\n"
        "print('gunicorn', gunicorn.__version__, glogging.Logger.__name__)\n"
    )
    container = containers(image, options=("-v", f"{tmp_path / 'gunicorn_conf.py'}:/app/gunicorn_conf.py:ro"))
    container.wait_serving()
    stdout, _ = container.logs()
    assert "gunicorn 26.0.0 Logger\n" in stdout, stdout
    assert sum("drover-worker" in line for line in container.processes()) == 3, container.processes()


def test_app_main_py_is_found_first(image: str, containers: Starter, tmp_path: Path) -> None:
    """With /app/app/main.py next to the image's /app/main.py, the app is app.main:app (the seed's order)."""
    package = tmp_path / "app"
    package.mkdir()
    (package / "main.py").write_text(
        "from starlette.applications import Starlette\n"
        "from starlette.responses import JSONResponse\n"
        "from starlette.routing import Route\n\n\n"
        "async def homepage(request):\n"
        '    return JSONResponse({"module": __name__})\n\n\n'
        'app = Starlette(routes=[Route("/", homepage)])\n'
    )
    container = containers(image, env={"WEB_CONCURRENCY": "1"}, options=("-v", f"{package}:/app/app:ro"))
    container.wait_serving()
    assert http_get(container.port, "/") == (200, '{"module":"app.main"}')


def test_custom_prestart_script(fixture_image: str, containers: Starter) -> None:
    """PRE_START_PATH: sourced before the workers start; its exports reach them; the orphan it
    leaves behind is reaped by droverd (PID 1): no zombie."""
    container = containers(
        fixture_image,
        env={"PRE_START_PATH": "/app/scripts/custom-prestart.sh", "WEB_CONCURRENCY": "1"},
    )
    container.wait_serving()
    stdout, _ = container.logs()
    assert stdout.startswith(
        "Checking for script in /app/scripts/custom-prestart.sh\n"
        "Running script /app/scripts/custom-prestart.sh\n"
        "custom prestart: running as uid 0 in /app\n"
    ), stdout
    assert "Running inside /app/prestart.sh" not in stdout
    status, body = http_get(container.port, "/env/PRESTART_MARK")
    assert (status, json.loads(body)) == (200, {"PRESTART_MARK": "from-custom-prestart"})

    def orphan_gone() -> bool:
        return not any(line.split(None, 2)[2] == "sleep 1" for line in container.processes())

    wait_until("the prestart script's orphan to exit", orphan_gone, 10)
    zombies = [line for line in container.processes() if line.split()[1].startswith("Z")]
    assert not zombies, zombies


def test_prestart_background_process_does_not_hold_up_start(image: str, containers: Starter, tmp_path: Path) -> None:
    """A prestart script that leaves a process running in the background (`some-daemon &`): in the
    seed the server starts at once, and so must droverd."""
    script = tmp_path / "prestart.sh"
    script.write_text('echo "starting a helper"\nsleep 600 &\n')
    container = containers(
        image, env={"WEB_CONCURRENCY": "1"}, options=("-v", f"{script}:/app/prestart.sh:ro")
    )
    container.wait_serving(timeout=15)
    assert "starting a helper" in container.logs()[0]
    assert any(line.split(None, 2)[2] == "sleep 600" for line in container.processes()), container.processes()


# --- stopping ---------------------------------------------------------------------------------


def slow_request(port: int, seconds: float, results: list, index: int) -> None:
    """A raw HTTP/1.1 GET /slow?s=SECONDS&id=INDEX; stores (status line, body, when it ended) or
    the exception."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=15) as connection:
            request = f"GET /slow?s={seconds}&id={index} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
            connection.sendall(request.encode())
            data = b""
            while chunk := connection.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        results[index] = (head.split(b"\r\n")[0].decode(), body.decode(), time.monotonic())
    except OSError as error:
        results[index] = error


def test_docker_stop_finishes_in_flight_requests(fixture_image: str, containers: Starter) -> None:
    """`docker stop` (SIGTERM, SIGKILL after Docker's default 10 s) while slow requests are in their
    handlers: they all complete, and droverd exits 0 well before the SIGKILL."""
    container = containers(fixture_image, env={"WEB_CONCURRENCY": "2"})
    container.wait_serving()
    count, seconds = 6, 3
    results: list = [None] * count
    threads = [threading.Thread(target=slow_request, args=(container.port, seconds, results, i)) for i in range(count)]
    for thread in threads:
        thread.start()

    def all_in_flight() -> bool:
        output = "".join(container.logs())
        return all(f"slow request {i}: started" in output for i in range(count))

    wait_until("every slow request in its handler", all_in_flight, 10)
    began = time.monotonic()
    docker("stop", container.name, timeout=30)
    stop_took = time.monotonic() - began
    for thread in threads:
        thread.join(timeout=15)
    for result in results:
        assert isinstance(result, tuple), results
        status_line, body, ended = result
        assert status_line.startswith("HTTP/1.1 200"), results
        assert json.loads(body)["slept"] == seconds
        assert ended > began, "a request ended before docker stop: it was not in flight"
    assert container.inspect("{{.State.ExitCode}}") == "0"
    assert container.inspect("{{.State.OOMKilled}}") == "false"
    assert stop_took < seconds + 3, f"docker stop took {stop_took:.1f} s"
    _, stderr = container.logs()
    assert "SIGKILL" not in stderr, stderr


# --- non-root ---------------------------------------------------------------------------------


def test_non_root_user(image: str, containers: Starter) -> None:
    """`--user drover` with a non-privileged PORT: serves, droverctl finds the control socket
    (/tmp/drover-1000/drover.sock), and the health check passes."""
    container = containers(
        image,
        env={"PORT": "8080", "WEB_CONCURRENCY": "2"},
        port=8080,
        options=("--user", "drover", "--health-interval", "1s"),
    )
    container.wait_serving()
    status, body = http_get(container.port, "/")
    assert status == 200
    demo_message(body)
    assert container.exec("id", "-un").stdout.strip() == "drover"
    uids = container.exec("grep", "^Uid:", "/proc/1/status").stdout.split()[1:]
    assert uids == ["1000"] * 4, uids
    assert container.exec("test", "-S", "/tmp/drover-1000/drover.sock", check=False).returncode == 0
    settings = startup_line(container.logs()[0])
    assert settings["bind"] == "0.0.0.0:8080" and settings["port"] == "8080"
    container.wait_healthy(timeout=30)


# --- development mode -------------------------------------------------------------------------


def test_start_reload_serves_edits(image: str, containers: Starter, tmp_path: Path) -> None:
    """/start-reload.sh with the app mounted at /app: one worker (WEB_CONCURRENCY does not count, as
    in the seed's reload mode); an edited *.py is served at once."""
    app = tmp_path / "app"
    app.mkdir()
    source = (REPO / "examples/hello/main.py").read_text()
    (app / "main.py").write_text(source)
    container = containers(image, "/start-reload.sh", env={"WEB_CONCURRENCY": "3"}, options=("-v", f"{app}:/app"))
    container.wait_serving()
    assert http_get(container.port, "/") == (200, '{"message":"Hello World!"}')
    assert len(container.processes()) == 2, container.processes()
    (app / "main.py").write_text(source.replace("Hello World!", "Hello again!"))
    wait_until(
        "the edited app to be served",
        lambda: http_get(container.port, "/", timeout=2) == (200, '{"message":"Hello again!"}'),
        10,
        interval=0.1,
    )


# --- last, so the image's health check (every 10 s) has had time to run ----------------------


def test_healthcheck_turns_healthy(default_container: Container) -> None:
    """The image's own HEALTHCHECK (droverctl status --ready, every 10 s)."""
    config = json.loads(default_container.inspect("{{json .Config.Healthcheck}}"))
    assert config["Test"] == ["CMD", "droverctl", "status", "--ready"]
    default_container.wait_healthy(timeout=40)
