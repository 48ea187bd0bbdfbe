"""Helpers for the container tests: docker through subprocess, HTTP through urllib.

Run them with scripts/test-containers, which builds the image and sets DROVER_TEST_IMAGE.
Every container is labelled org.drover.test=1 and removed when its test ends; every wait is bounded;
all traffic goes to 127.0.0.1 (ports are published on 127.0.0.1 only, on ports Docker picks).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
LABEL = "org.drover.test=1"
SUDO = ["sudo"] if os.environ.get("DROVER_TEST_SUDO") == "1" else []
DOCKER = [*SUDO, "docker"]

T = TypeVar("T")


def docker(*args: str, timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Runs `docker ARGS`; raises with its output if it fails and `check`."""
    result = subprocess.run([*DOCKER, *args], capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(
            f"docker {' '.join(args)} exited {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"
        )
    return result


def docker_compose(
    directory: Path, variables: dict[str, str], *args: str, timeout: float = 120, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Runs `docker-compose ARGS` in `directory` with `variables` in its environment (through sudo's
    `env` when the tests use sudo); raises with its output if it fails and `check`."""
    if SUDO:
        command = [*SUDO, "env", *(f"{k}={v}" for k, v in variables.items()), "docker-compose", *args]
        environment = None
    else:
        command = ["docker-compose", *args]
        environment = {**os.environ, **variables}
    result = subprocess.run(command, cwd=directory, env=environment, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(
            f"docker-compose {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
    return result


def wait_until(what: str, probe: Callable[[], T | None], timeout: float, interval: float = 0.2) -> T:
    """Calls `probe` until it returns something truthy (returned) or `timeout` seconds pass (fails)."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            value = probe()
            if value:
                return value
        except (OSError, AssertionError, subprocess.TimeoutExpired, ValueError) as error:
            last_error = error
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}; last error: {last_error!r}")
        time.sleep(interval)


def http_get(port: int, path: str = "/", timeout: float = 10) -> tuple[int, str]:
    """GET http://127.0.0.1:PORT/PATH: (status, body)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class Container:
    """A running test container."""

    def __init__(self, name: str, container_port: int) -> None:
        self.name = name
        self.container_port = container_port
        self._host_port: int | None = None

    @property
    def port(self) -> int:
        """The host port (on 127.0.0.1) Docker published the container's port on."""
        if self._host_port is None:
            output = docker("port", self.name, f"{self.container_port}/tcp").stdout
            # "127.0.0.1:49153" (one line per address)
            self._host_port = int(output.splitlines()[0].rsplit(":", 1)[1])
        return self._host_port

    def logs(self) -> tuple[str, str]:
        """(stdout, stderr) so far."""
        result = docker("logs", self.name, timeout=30)
        return result.stdout, result.stderr

    def exec(self, *command: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return docker("exec", self.name, *command, check=check, timeout=timeout)

    def inspect(self, template: str) -> str:
        return docker("inspect", "--format", template, self.name).stdout.strip()

    def running(self) -> bool:
        return self.inspect("{{.State.Running}}") == "true"

    def health(self) -> str:
        return self.inspect("{{if .State.Health}}{{.State.Health.Status}}{{end}}")

    def processes(self) -> list[str]:
        """The command lines of the container's processes (`docker top`), without the short-lived
        `droverctl` processes that health checks and the tests exec."""
        lines = docker("top", self.name, "-o", "pid,stat,args").stdout.splitlines()[1:]
        return [line for line in lines if "droverctl" not in line]

    def wait_serving(self, timeout: float = 60) -> None:
        """Until every pool has all its workers ready, and HTTP answers."""

        def ready() -> bool:
            if not self.running():
                stdout, stderr = self.logs()
                raise RuntimeError(f"container {self.name} exited:\n{stdout}\n{stderr}")
            return self.exec("droverctl", "status", "--ready", check=False).returncode == 0

        try:
            wait_until(f"{self.name}: droverctl status --ready", ready, timeout, interval=0.3)
            wait_until(f"{self.name}: HTTP", lambda: http_get(self.port, "/", timeout=2)[0] == 200, 10)
        except AssertionError:
            stdout, stderr = self.logs()
            raise AssertionError(f"{self.name} not serving\nstdout:\n{stdout}\nstderr:\n{stderr}") from None

    def wait_healthy(self, timeout: float) -> None:
        def healthy() -> bool:
            status = self.health()
            if status == "unhealthy":
                raise RuntimeError(f"{self.name} is unhealthy: {self.inspect('{{json .State.Health}}')}")
            return status == "healthy"

        wait_until(f"{self.name} healthy", healthy, timeout, interval=0.5)

    def status(self) -> dict[str, Any]:
        """`droverctl status --json`: the result object."""
        output = self.exec("droverctl", "status", "--json").stdout
        return control_result(output)


def control_result(output: str) -> dict[str, Any]:
    """The result of droverctl's final `{"ok": true, "result": …}` line."""
    for line in reversed(output.splitlines()):
        line = line.strip()
        if not line.startswith("{"):
            continue
        reply = json.loads(line)
        if "ok" in reply:
            assert reply["ok"], reply
            return reply["result"]
    raise AssertionError(f"no reply line in {output!r}")


@pytest.fixture(scope="session")
def image() -> str:
    name = os.environ.get("DROVER_TEST_IMAGE")
    if not name:
        pytest.skip("run scripts/test-containers: it builds the image and sets DROVER_TEST_IMAGE")
    return name


@pytest.fixture(scope="session")
def fixture_image(image: str) -> str:
    """The image a seed user would build: `FROM <our image>` + `COPY ./app /app` (Tests/Containers/fixture)."""
    name = "drover-test-fixture:latest"
    docker("build", "--build-arg", f"IMAGE={image}", "--label", LABEL, "-t", name, str(HERE / "fixture"), timeout=300)
    return name


Starter = Callable[..., Container]


def start_container(
    names: list[str],
    image: str,
    *command: str,
    env: dict[str, str] | None = None,
    port: int = 80,
    options: tuple[str, ...] = (),
) -> Container:
    name = f"drover-test-{uuid.uuid4().hex[:10]}"
    names.append(name)
    args = ["run", "-d", "--name", name, "--label", LABEL, "-p", f"127.0.0.1::{port}"]
    for key, value in (env or {}).items():
        args += ["-e", f"{key}={value}"]
    docker(*args, *options, image, *command)
    return Container(name, port)


def remove_containers(names: list[str]) -> None:
    for name in names:
        docker("rm", "-f", "-v", name, check=False, timeout=60)


@pytest.fixture
def containers() -> Iterator[Starter]:
    """`containers(image, *command, env=…, port=…, options=(…))` starts a container, removed at the end."""
    names: list[str] = []

    def start(image: str, *command: str, **kwargs: Any) -> Container:
        return start_container(names, image, *command, **kwargs)

    yield start
    remove_containers(names)


@pytest.fixture(scope="module")
def module_containers() -> Iterator[Starter]:
    """As `containers`, for containers that several tests of a module share."""
    names: list[str] = []

    def start(image: str, *command: str, **kwargs: Any) -> Container:
        return start_container(names, image, *command, **kwargs)

    yield start
    remove_containers(names)
