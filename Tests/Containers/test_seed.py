"""The seed image's own test scenarios (shared/research/seed-spec.md §8, rows 1-17), against our image.

The seed's harness, kept: the processes are `docker top`'s command column (the 8th of `ps -ef`)
where it contains "gunicorn"; the config file is the first such command line partitioned at "-c";
the config is what `docker exec CONTAINER python CONF` prints (json.loads); the fixture apps
(Tests/Containers/seed_apps) are copied over /app by `FROM <our image>` + `COPY ./app /app`, so the
image's /app/main.py and /app/prestart.sh stay unless overwritten. Every /start.sh scenario is
verified, stopped (`docker stop`), started and verified again. Differences: our image's /app/main.py
is the seed Starlette image's demo, so the rows of the base image that expect its plain-text hello
expect the Starlette JSON message; instead of sleeping, the tests wait (bounded) for readiness,
and after an edit in reload mode poll until the new text is served.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from conftest import HERE, LABEL, Container, docker, http_get, remove_containers, start_container, wait_until

APPS = HERE / "seed_apps"

PRESTART = [
    "Checking for script in /app/prestart.sh",
    "Running script /app/prestart.sh",
    "Running inside /app/prestart.sh, you could add migrations to this file",
]


# --- the seed's harness (tests/utils.py), with the Docker CLI -------------------------------------


def get_process_names(container: Container) -> list[str]:
    """The command lines in `docker top` (ps -ef: UID PID PPID C STIME TTY TIME CMD) containing "gunicorn"."""
    lines = docker("top", container.name).stdout.splitlines()[1:]
    commands = [line.split(None, 7)[7] for line in lines if len(line.split(None, 7)) == 8]
    return [command for command in commands if "gunicorn" in command]


def get_gunicorn_conf_path(container: Container) -> str:
    processes = get_process_names(container)
    assert processes, f"no process containing 'gunicorn' in {docker('top', container.name).stdout}"
    _, _, rest = processes[0].partition("-c")
    return rest.strip().split()[0]


def get_config(container: Container) -> dict:
    result = container.exec("python", get_gunicorn_conf_path(container))
    return json.loads(result.stdout)


def get_logs(container: Container) -> str:
    stdout, stderr = container.logs()
    return stdout + stderr


def assert_defaults(config: dict) -> None:
    """The seed's default JSON assertions (D)."""
    assert config["workers_per_core"] == 1
    assert config["host"] == "0.0.0.0"
    assert config["port"] == "80"
    assert config["loglevel"] == "info"
    assert config["workers"] >= 2
    assert config["bind"] == "0.0.0.0:80"


def assert_in_logs(container: Container, *texts: str) -> None:
    """Each text is in the logs; a line still on its way gets 5 s."""

    def present() -> bool:
        logs = get_logs(container)
        missing = [text for text in texts if text not in logs]
        assert not missing, f"{missing} not in the logs"
        return True

    try:
        wait_until(f"{texts} in the logs", present, 5)
    except AssertionError as error:
        raise AssertionError(f"{error}\n--- logs of {container.name}:\n{get_logs(container)}") from None


# --- images, containers, readiness --------------------------------------------------------------


@pytest.fixture(scope="session")
def python_version(image: str) -> str:
    """X.Y of the image's Python (the seed's PYTHON_VERSION)."""
    result = docker(
        "run", "--rm", "--label", LABEL, image, "python", "-c",
        "import sys; print(f'{sys.version_info.major}.{sys.version_info.minor}')",
    )  # fmt: skip
    return result.stdout.strip()


@pytest.fixture(scope="session")
def text1(python_version: str) -> str:
    """What our image's /app/main.py (the seed Starlette image's demo) answers: its JSON message."""
    return f"Hello world! From Starlette running on Uvicorn with Gunicorn. Using Python {python_version}"


@pytest.fixture(scope="session")
def text2(python_version: str) -> str:
    """What the fixture apps answer (plain text)."""
    return f"Test app. From Uvicorn with Gunicorn. Using Python {python_version}"


@pytest.fixture(scope="session")
def app_image(image: str) -> Iterator[Callable[[str], str]]:
    """`app_image(NAME)`: seed_apps/NAME/app copied over our image's /app, built once per session."""
    built: dict[str, str] = {}

    def build(name: str) -> str:
        if name not in built:
            tag = f"drover-test-seed-{name.replace('_', '-')}:latest"
            docker(
                "build", "-f", str(HERE / "fixture/Dockerfile"), "--build-arg", f"IMAGE={image}",
                "--label", LABEL, "-t", tag, str(APPS / name), timeout=300,
            )  # fmt: skip
            built[name] = tag
        return built[name]

    yield build


@pytest.fixture
def run() -> Iterator[Callable[..., Container]]:
    """`run(image, *command, env=…, port=…)`: a container, removed at the end of the test."""
    names: list[str] = []

    def start(image: str, *command: str, env: dict[str, str] | None = None, port: int = 80) -> Container:
        return start_container(names, image, *command, env=env, port=port)

    yield start
    remove_containers(names)


def wait_ready(container: Container, http: bool = True) -> None:
    """Until droverd says every worker is ready (`droverctl status --ready`, 60 s at most) and,
    with `http`, GET / answers (10 s more); fails at once with the logs if the container exits."""

    def ready() -> bool:
        if not container.running():
            raise RuntimeError(f"container {container.name} exited:\n{get_logs(container)}")
        return container.exec("droverctl", "status", "--ready", check=False).returncode == 0

    try:
        wait_until(f"{container.name} ready", ready, 60, interval=0.3)
        if http:
            wait_until(f"{container.name} answering", lambda: http_get(container.port, "/", timeout=2)[0] == 200, 10)
    except AssertionError as error:
        raise AssertionError(f"{error}\n--- logs of {container.name}:\n{get_logs(container)}") from None


def restart(container: Container, http: bool = True) -> None:
    """`container.stop()` then `container.start()`, as the seed's tests do; Docker may publish the
    port on another host port."""
    docker("stop", container.name, timeout=30)
    docker("start", container.name)
    container._host_port = None
    wait_ready(container, http=http)


def get_text(container: Container) -> str:
    status, body = http_get(container.port, "/")
    assert status == 200, (status, body)
    return body


def get_message(container: Container) -> str:
    return json.loads(get_text(container))["message"]


def verified_twice(container: Container, verify: Callable[[], None], http: bool = True) -> None:
    """Verified, stopped, started, verified again (the seed's non-reload scenarios)."""
    wait_ready(container, http=http)
    verify()
    restart(container, http=http)
    verify()


# --- test_01_main: the image as it is ------------------------------------------------------------


def test_defaults(image: str, run: Callable[..., Container], text1: str) -> None:
    """Rows 1 and 17 (base and Starlette test_defaults): our image is the Starlette image."""
    container = run(image)

    def verify() -> None:
        assert get_message(container) == text1  # the request first: its access line is asserted
        config = get_config(container)
        assert_defaults(config)
        assert config["use_max_workers"] is None
        assert config["graceful_timeout"] == 120
        assert config["timeout"] == 120
        assert config["keepalive"] == 5
        assert config["errorlog"] == "-"
        assert config["accesslog"] == "-"
        assert_in_logs(
            container,
            *PRESTART,
            '"GET / HTTP/1.1" 200',
            "[INFO] Application startup complete.",
            "Using worker: uvicorn.workers.UvicornWorker",
        )

    verified_twice(container, verify)


def test_env_vars_1(image: str, run: Callable[..., Container], text1: str) -> None:
    """Row 2: the variables of the default config; empty ACCESS_LOG and ERROR_LOG silence both logs."""
    env = {
        "WORKERS_PER_CORE": "2", "PORT": "8000", "LOG_LEVEL": "warning", "GRACEFUL_TIMEOUT": "20",
        "TIMEOUT": "20", "KEEP_ALIVE": "20", "ACCESS_LOG": "", "ERROR_LOG": "",
    }  # fmt: skip
    container = run(image, env=env, port=8000)

    def verify() -> None:
        assert get_message(container) == text1
        config = get_config(container)
        assert config["workers_per_core"] == 2
        assert config["host"] == "0.0.0.0"
        assert config["port"] == "8000"
        assert config["loglevel"] == "warning"
        assert config["bind"] == "0.0.0.0:8000"
        assert config["graceful_timeout"] == 20
        assert config["timeout"] == 20
        assert config["keepalive"] == 20
        assert config["errorlog"] is None
        assert config["accesslog"] is None
        assert_in_logs(container, *PRESTART)
        logs = get_logs(container)
        assert '"GET / HTTP/1.1" 200' not in logs, logs
        assert "[INFO] Application startup complete." not in logs, logs

    verified_twice(container, verify)


def test_env_vars_2(image: str, run: Callable[..., Container]) -> None:
    """Row 3: GUNICORN_CMD_ARGS outranks LOG_LEVEL for the server, not in the JSON; WORKER_CLASS;
    WEB_CONCURRENCY=1 is the master and one worker. HOST=127.0.0.1: nothing reachable from outside."""
    env = {
        "WEB_CONCURRENCY": "1", "HOST": "127.0.0.1", "LOG_LEVEL": "warning",
        "GUNICORN_CMD_ARGS": "--log-level debug", "WORKER_CLASS": "uvicorn.workers.UvicornH11Worker",
    }  # fmt: skip
    container = run(image, env=env)

    def verify() -> None:
        processes = get_process_names(container)
        config = get_config(container)
        assert config["workers"] == 1
        assert len(processes) == 2, processes  # master + worker
        assert config["host"] == "127.0.0.1"
        assert config["port"] == "80"
        assert config["loglevel"] == "warning"
        assert config["bind"] == "127.0.0.1:80"
        assert config["graceful_timeout"] == 120
        assert config["timeout"] == 120
        assert config["keepalive"] == 5
        assert config["errorlog"] == "-"
        assert config["accesslog"] == "-"
        assert_in_logs(container, *PRESTART, "loglevel: debug", "Using worker: uvicorn.workers.UvicornH11Worker")

    verified_twice(container, verify, http=False)


def test_env_bind(image: str, run: Callable[..., Container], text1: str) -> None:
    """Row 4: BIND beats HOST:PORT (both still reported); MAX_WORKERS=1 caps after the floor of 2."""
    env = {"BIND": "0.0.0.0:8080", "HOST": "127.0.0.1", "PORT": "9000", "MAX_WORKERS": "1"}
    container = run(image, env=env, port=8080)

    def verify() -> None:
        processes = get_process_names(container)
        config = get_config(container)
        assert config["workers"] == 1
        assert len(processes) == 2, processes  # master + worker
        assert config["host"] == "127.0.0.1"
        assert config["port"] == "9000"
        assert config["bind"] == "0.0.0.0:8080"
        assert config["use_max_workers"] == 1
        assert_in_logs(container, *PRESTART)
        assert get_message(container) == text1

    verified_twice(container, verify)


# --- test_02_app: apps copied over /app ----------------------------------------------------------

CUSTOM_PRESTART = "/app/custom_app/custom-prestart.sh"
CUSTOM_MAIN = "/app/custom_app/custom_main.py"
CUSTOM_CONF = "/app/custom_gunicorn_conf.py"


@pytest.mark.parametrize(
    ("env", "prestart_text"),
    [
        ({"MODULE_NAME": "custom_app.custom_main", "VARIABLE_NAME": "custom_var"}, PRESTART[2]),
        ({"APP_MODULE": "custom_app.custom_main:custom_var"}, PRESTART[2]),
        (
            {"MODULE_NAME": "custom_app.custom_main", "VARIABLE_NAME": "custom_var", "PRE_START_PATH": CUSTOM_PRESTART},
            "Custom prestart script",
        ),
        (
            {"APP_MODULE": "custom_app.custom_main:custom_var", "PRE_START_PATH": CUSTOM_PRESTART},
            "Custom prestart script",
        ),
    ],
    ids=["MODULE_NAME", "APP_MODULE", "MODULE_NAME+PRE_START_PATH", "APP_MODULE+PRE_START_PATH"],
)
def test_custom_app(
    app_image: Callable[[str], str], run: Callable[..., Container], text2: str, env: dict, prestart_text: str
) -> None:
    """Rows 5a-5d: the app named by MODULE_NAME/VARIABLE_NAME or APP_MODULE; a PRE_START_PATH
    script that is not executable is sourced all the same."""
    container = run(app_image("custom_app"), env=env)

    def verify() -> None:
        assert_defaults(get_config(container))
        assert_in_logs(container, prestart_text)
        assert get_text(container) == text2

    verified_twice(container, verify)


@pytest.mark.parametrize("app", ["package_app", "simple_app"])
def test_package_and_simple_app(
    app_image: Callable[[str], str], run: Callable[..., Container], text2: str, app: str
) -> None:
    """Rows 6 and 10, and row 15 (test_04_app_reload/test_package_app runs /start.sh: it gives no
    command): /app/app/main.py is found before the image's /app/main.py; /app/main.py overwritten."""
    container = run(app_image(app))

    def verify() -> None:
        assert_defaults(get_config(container))
        assert_in_logs(container, *PRESTART)
        assert get_text(container) == text2

    verified_twice(container, verify)


@pytest.mark.parametrize(
    ("app", "env", "conf_path"),
    [
        ("package_app_config", {}, "/app/gunicorn_conf.py"),
        ("package_app_custom_config", {"GUNICORN_CONF": CUSTOM_CONF}, CUSTOM_CONF),
        ("package_app_sub_config", {}, "/app/app/gunicorn_conf.py"),
    ],
    ids=["package_app_config", "package_app_custom_config", "package_app_sub_config"],
)
def test_package_app_config(
    app_image: Callable[[str], str], run: Callable[..., Container], text2: str, app: str, env: dict, conf_path: str
) -> None:
    """Rows 7-9: the app's own gunicorn_conf.py (/app before /app/app, or GUNICORN_CONF) replaces
    the image's: its bind (port 8000), workers and log level apply."""
    container = run(app_image(app), env=env, port=8000)

    def verify() -> None:
        assert get_gunicorn_conf_path(container) == conf_path
        config = get_config(container)
        assert config["loglevel"] == "warning"
        assert config["workers"] == 3
        assert config["bind"] == "0.0.0.0:8000"
        # Beyond the seed's asserts: the file's worker count is the one running (master + 3).
        assert len(get_process_names(container)) == 4, get_process_names(container)
        assert_in_logs(container, *PRESTART)
        assert get_text(container) == text2

    verified_twice(container, verify)


# --- test_03_reload and test_04_app_reload: /start-reload.sh (no restart) -------------------------


def edit_and_wait(container: Container, path: str, read: Callable[[Container], str], expected: str) -> None:
    """The seed's edit (sed in the container), then poll (10 s at most) until the new text is served."""
    container.exec("sed", "-i", "s|Uvicorn with Gunicorn|Uvicorn with autoreload|", path)

    def served() -> bool:
        return read(container) == expected

    try:
        wait_until(f"{path} reloaded", served, 10, interval=0.1)
    except AssertionError as error:
        raise AssertionError(f"{error}\n--- logs of {container.name}:\n{get_logs(container)}") from None


@pytest.mark.parametrize(
    ("env", "port", "running_on"),
    [({}, 80, "http://0.0.0.0:80"), ({"PORT": "8000", "LOG_LEVEL": "debug"}, 8000, "http://0.0.0.0:8000")],
    ids=["defaults", "env_vars_1"],
)
def test_reload(image: str, run: Callable[..., Container], text1: str, env: dict, port: int, running_on: str) -> None:
    """Rows 11 and 12: the image's app under /start-reload.sh; an edit of /app/main.py is served.
    (Row 12's seed assert is the substring "http://0.0.0.0:80"; the full address is asserted here.)"""
    container = run(image, "/start-reload.sh", env=env, port=port)
    wait_ready(container)
    assert_in_logs(container, *PRESTART, f"Uvicorn running on {running_on}")
    assert get_message(container) == text1
    edited = text1.replace("Uvicorn with Gunicorn", "Uvicorn with autoreload")
    edit_and_wait(container, "/app/main.py", get_message, edited)
    assert_in_logs(container, *PRESTART, f"Uvicorn running on {running_on}")


def test_reload_env_vars_2(image: str, run: Callable[..., Container]) -> None:
    """Row 13: HOST=127.0.0.1 under /start-reload.sh (no HTTP: nothing listens outside)."""
    container = run(image, "/start-reload.sh", env={"HOST": "127.0.0.1"})
    wait_ready(container, http=False)
    assert_in_logs(container, *PRESTART, "Uvicorn running on http://127.0.0.1:80")


@pytest.mark.parametrize(
    ("app", "env", "path"),
    [
        ("custom_app", {"MODULE_NAME": "custom_app.custom_main", "VARIABLE_NAME": "custom_var"}, CUSTOM_MAIN),
        ("custom_app", {"APP_MODULE": "custom_app.custom_main:custom_var"}, CUSTOM_MAIN),
        ("simple_app", {}, "/app/main.py"),
    ],
    ids=["custom_app-MODULE_NAME", "custom_app-APP_MODULE", "simple_app"],
)
def test_app_reload(
    app_image: Callable[[str], str], run: Callable[..., Container], text2: str, app: str, env: dict, path: str
) -> None:
    """Rows 14a, 14b and 16: the fixture apps under /start-reload.sh; an edit of the app is served."""
    container = run(app_image(app), "/start-reload.sh", env=env)
    wait_ready(container)
    assert_in_logs(container, *PRESTART, "Uvicorn running on http://0.0.0.0:80")
    assert get_text(container) == text2
    edit_and_wait(container, path, get_text, text2.replace("Uvicorn with Gunicorn", "Uvicorn with autoreload"))
    assert_in_logs(container, *PRESTART, "Uvicorn running on http://0.0.0.0:80")

