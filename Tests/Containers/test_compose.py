"""The Compose example (packaging/compose) under docker-compose 1.29: build, health, scale, reload, down."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator

import pytest
from conftest import REPO, Container, control_result, docker, docker_compose, http_get

COMPOSE_DIR = REPO / "packaging/compose"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Compose:
    def __init__(self, image: str, project: str, port: int) -> None:
        self.project = project
        self.port = port
        self.variables = {"DROVER_IMAGE": image, "HTTP_PORT": str(port), "COMPOSE_PROJECT_NAME": project}

    def __call__(self, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
        return docker_compose(COMPOSE_DIR, self.variables, *args, timeout=timeout, check=check)

    def containers(self) -> list[str]:
        output = docker("ps", "-aq", "--filter", f"label=com.docker.compose.project={self.project}").stdout
        return output.split()


@pytest.fixture
def compose(image: str) -> Iterator[Compose]:
    project = os.environ.get("DROVER_TEST_COMPOSE_PROJECT", "drovertest")
    runner = Compose(image, project, free_port())
    runner("down", "--remove-orphans", "-t", "1", check=False)
    yield runner
    # --rmi local: the app image it built goes too (rebuilt in a second from the cached Drover image).
    runner("down", "--remove-orphans", "--rmi", "local", check=False)


def test_compose_up_health_scale_down(compose: Compose) -> None:
    compose("up", "-d", "--build", timeout=300)
    [container_id] = compose("ps", "-q", "app").stdout.split()
    app = Container(container_id, 80)
    app.wait_healthy(timeout=60)
    assert http_get(compose.port, "/") == (200, '{"message":"Hello World!"}')

    scaled = compose("exec", "-T", "app", "droverctl", "scale", "web", "4", timeout=60)
    assert scaled.returncode == 0, scaled
    [pool] = control_result(compose("exec", "-T", "app", "droverctl", "status", "--json").stdout)["pools"]
    assert (pool["name"], pool["desired"], pool["ready"]) == ("web", 4, 4), pool
    assert len(app.processes()) == 1 + 4, app.processes()
    assert compose("exec", "-T", "app", "droverctl", "status", "--ready", check=False).returncode == 0
    assert http_get(compose.port, "/") == (200, '{"message":"Hello World!"}')

    # A reload answers once the new generation has replaced the old one.
    compose("exec", "-T", "app", "droverctl", "reload", timeout=60)
    [pool] = control_result(compose("exec", "-T", "app", "droverctl", "status", "--json").stdout)["pools"]
    assert (pool["desired"], pool["ready"]) == (4, 4), pool
    assert pool["generation"] == 2, pool
    assert {worker["generation"] for worker in pool["workers"] if worker["state"] == "ready"} == {2}, pool
    assert http_get(compose.port, "/") == (200, '{"message":"Hello World!"}')

    compose("down", timeout=60)
    assert compose.containers() == []
