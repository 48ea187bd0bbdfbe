"""The monitoring example (packaging/monitoring/compose.yml) under docker-compose 1.29: the app with
its ops listener, and a real Prometheus that scrapes droverd over the Compose network and loads the
alerting rules. There is no Docker Hub here, so the Prometheus image is built locally from Debian's
`prometheus` package on the test base image (Tests/Containers/prometheus) and named through
PROMETHEUS_IMAGE, which compose.yml reads instead of prom/prometheus."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.parse
from collections.abc import Iterator

import pytest
from conftest import HERE, LABEL, REPO, docker, docker_compose, http_get, wait_until

MONITORING_DIR = REPO / "packaging/monitoring"
PROMETHEUS_IMAGE = "drover-test-prometheus:latest"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MonitoringCompose:
    def __init__(self, image: str, project: str) -> None:
        self.project = project
        self.http_port = free_port()
        self.prometheus_port = free_port()
        self.variables = {
            "DROVER_IMAGE": image,
            "PROMETHEUS_IMAGE": PROMETHEUS_IMAGE,
            "HTTP_PORT": str(self.http_port),
            "PROMETHEUS_PORT": str(self.prometheus_port),
            "COMPOSE_PROJECT_NAME": project,
        }

    def __call__(self, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
        return docker_compose(MONITORING_DIR, self.variables, *args, timeout=timeout, check=check)

    def query(self, expression: str) -> list[dict]:
        """An instant query's result through Prometheus's HTTP API."""
        status, body = http_get(
            self.prometheus_port, "/api/v1/query?" + urllib.parse.urlencode({"query": expression}), timeout=5
        )
        assert status == 200, body
        answer = json.loads(body)
        assert answer["status"] == "success", answer
        return answer["data"]["result"]


@pytest.fixture(scope="module")
def prometheus_image() -> str:
    base = os.environ.get("DROVER_TEST_BASE", "python:3.12-slim")
    docker("build", "--build-arg", f"BASE={base}", "--label", LABEL, "-t", PROMETHEUS_IMAGE,
           str(HERE / "prometheus"), timeout=600)
    return PROMETHEUS_IMAGE


@pytest.fixture
def monitoring(image: str, prometheus_image: str) -> Iterator[MonitoringCompose]:
    project = os.environ.get("DROVER_TEST_COMPOSE_PROJECT", "drovertest")
    runner = MonitoringCompose(image, project)
    runner("down", "--remove-orphans", "-t", "1", check=False)
    yield runner
    # --rmi local: the app image it built goes (the Prometheus image is named: it stays, as a cache).
    runner("down", "--remove-orphans", "--rmi", "local", "-t", "10", check=False)


def test_prometheus_scrapes_droverd_in_compose(monitoring: MonitoringCompose) -> None:
    monitoring("up", "-d", "--build", timeout=300)
    wait_until("the app to answer", lambda: http_get(monitoring.http_port, "/", timeout=2)[0] == 200, 90)

    def ready_workers() -> float | None:
        result = monitoring.query('sum(drover_workers{job="drover",state="ready"})')
        return float(result[0]["value"][1]) if result else None

    # Prometheus starts once the app is healthy, then scrapes every 15 s: the first scrape comes
    # within one interval.
    workers = wait_until("Prometheus to have scraped droverd's drover_workers", ready_workers, 90, interval=1)
    assert workers == 2  # WEB_CONCURRENCY in packaging/compose/.env
    [up] = monitoring.query('up{job="drover"}')
    assert (up["metric"]["instance"], up["value"][1]) == ("app:9100", "1")
    # The rules file is loaded, with every alert of drover-alerts.yml, none firing.
    status, body = http_get(monitoring.prometheus_port, "/api/v1/rules", timeout=5)
    assert status == 200, body
    rules = [rule for group in json.loads(body)["data"]["groups"] for rule in group["rules"]]
    assert {rule["name"] for rule in rules} == {
        "DroverPoolNotReady", "DroverWorkerCrashLoop", "DroverRolloutRolledBack", "DroverWorkersRecycledTooOften",
        "DroverAcceptQueueBuildingUp",
    }
    assert all(rule["health"] != "err" for rule in rules), rules

    monitoring("down", "-t", "10", timeout=120)
