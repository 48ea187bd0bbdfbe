"""The orchestrator files on real engines (Tests/Packaging/test_orchestrators.py checks them statically).

Docker Swarm: packaging/swarm/stack.yml is deployed on the private dockerd scripts/test-containers
starts (`docker swarm init --advertise-addr 127.0.0.1`, left again at the end), with the test image,
and a bounded load client runs through `docker service update --image` (a rolling update to a new
tag, start-first), `docker service scale` up and down, and `docker service update --limit-cpu 1`
(the new tasks' pools sized from the limit): no request may fail.

The routing mesh needs the kernel's IPVS, which this machine's kernel lacks (/proc/sys/net/ipv4/vs),
so each task publishes its ports in `mode: host` (a port per task, on the host) instead of the
file's `mode: ingress`; the load client plays the load balancer: it spreads fresh connections over
the tasks whose /readyz answers 200, looked up again every 0.5 s. That is the race the shutdown delay
is for — a balancer that learns late that a task is going away — and every other line of the stack
file (health check, start-first, stop grace period, environment, limits, replicas) is used as it is.

Kubernetes: the Deployment's pod spec under `podman kube play`, when podman can run here (else the
test says why it skips).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from conftest import DOCKER, LABEL, REPO, docker, http_get, wait_until

STACK = REPO / "packaging/swarm/stack.yml"
STACK_NAME = "drovertest"
SERVICE = f"{STACK_NAME}_app"


def stack_for_this_engine(image: str, directory: Path) -> Path:
    """stack.yml with the test image, and host-mode ports (no IPVS here: see the module's docstring)."""
    stack = yaml.safe_load(STACK.read_text())
    service = stack["services"]["app"]
    service["image"] = image
    port = int(service["environment"]["PORT"])
    service["ports"] = [
        {"target": port, "protocol": "tcp", "mode": "host"},
        {"target": 9100, "protocol": "tcp", "mode": "host"},
    ]
    service["labels"] = {LABEL.split("=")[0]: "1"}  # scripts/test-containers' backstop removes them
    path = directory / "stack.yml"
    path.write_text(yaml.safe_dump(stack, sort_keys=False))
    return path


def task_containers() -> list[str]:
    return docker("ps", "-q", "--filter", f"label=com.docker.swarm.service.name={SERVICE}").stdout.split()


def endpoints() -> list[tuple[int, int]]:
    """(HTTP port, ops port) on the host of each running task of the service."""
    ids = task_containers()
    if not ids:
        return []
    found = []
    result = docker("inspect", "--format", "{{json .NetworkSettings.Ports}}", *ids, check=False)
    for line in result.stdout.splitlines():
        ports = json.loads(line) or {}
        try:
            found.append((int(ports["8080/tcp"][0]["HostPort"]), int(ports["9100/tcp"][0]["HostPort"])))
        except (KeyError, IndexError, TypeError):
            continue  # a task being set up or torn down
    return found


def pool_sizes(ops: int) -> int:
    """The ready workers of the task whose ops port is `ops` (its /status, the control protocol's)."""
    status, body = http_get(ops, "/status", timeout=5)
    assert status == 200, body
    return sum(pool["ready"] for pool in json.loads(body)["result"]["pools"])


def ready(ops: int) -> bool:
    try:
        return http_get(ops, "/readyz", timeout=1)[0] == 200
    except OSError:
        return False


class BalancedLoad:
    """A load balancer and its clients in one: every 0.5 s it asks which tasks are ready (their
    /readyz), and two threads send GET / on fresh connections to the ready ones in turn. Bounded:
    at most `limit` seconds, 5 s per request."""

    def __init__(self, limit: float = 360) -> None:
        self.ready: list[int] = []
        self.succeeded = 0
        self.failures: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._deadline = time.monotonic() + limit
        self._threads = [threading.Thread(target=self._balance, daemon=True)]
        self._threads += [threading.Thread(target=self._client, args=(i,), daemon=True) for i in range(2)]
        self._refresh()
        for thread in self._threads:
            thread.start()

    def _refresh(self) -> None:
        current = [http for http, ops in endpoints() if ready(ops)]
        with self._lock:
            self.ready = current

    def _balance(self) -> None:
        while not self._stop.is_set() and time.monotonic() < self._deadline:
            self._refresh()
            self._stop.wait(0.5)

    def _client(self, offset: int) -> None:
        turn = offset
        while not self._stop.is_set() and time.monotonic() < self._deadline:
            with self._lock:
                targets = list(self.ready)
            if not targets:
                time.sleep(0.05)
                continue
            port = targets[turn % len(targets)]
            turn += 1
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Connection": "close"})
                with urllib.request.urlopen(request, timeout=5) as response:
                    ok = response.status == 200 and b"Hello" in response.read()
                outcome = None if ok else f"port {port}: status {response.status}"
            except (OSError, urllib.error.URLError) as error:
                outcome = f"port {port}: {error!r}"
            with self._lock:
                if outcome is None:
                    self.succeeded += 1
                else:
                    self.failures.append(outcome)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)


@pytest.fixture
def swarm() -> Iterator[None]:
    state = docker("info", "--format", "{{.Swarm.LocalNodeState}}").stdout.strip()
    initialized = state == "inactive"
    if initialized:
        docker("swarm", "init", "--advertise-addr", "127.0.0.1")
    elif state != "active":
        pytest.skip(f"the engine's swarm is {state!r}")
    yield
    docker("stack", "rm", STACK_NAME, check=False)
    try:
        wait_until("the stack's containers gone", lambda: not task_containers(), timeout=90, interval=0.5)
    finally:
        if initialized:
            docker("swarm", "leave", "--force", check=False)


def test_swarm_stack_rolls_out_and_scales_without_a_failed_request(image: str, swarm: None, tmp_path: Path) -> None:
    def exited() -> list[str]:
        """The service's stopped task containers (Swarm keeps them, until its task reaper removes them)."""
        return docker("ps", "-aq", "--filter", "status=exited", "--filter",
                      f"label=com.docker.swarm.service.name={SERVICE}").stdout.split()

    def drained(containers: list[str]) -> None:
        """Each spent the shutdown delay not ready, then stopped gracefully, exit 0."""
        for container in containers:
            logs = docker("logs", container).stderr
            assert "Shutdown delay: not ready" in logs and "Stopping gracefully" in logs, logs[-3000:]
            assert docker("inspect", "--format", "{{.State.ExitCode}}", container).stdout.strip() == "0"

    tag = image.rsplit(":", 1)[0] + ":orchestrator-v2"
    docker("tag", image, tag)
    try:
        started = time.monotonic()
        docker("stack", "deploy", "--resolve-image", "never", "-c", str(stack_for_this_engine(image, tmp_path)),
               STACK_NAME, timeout=120)
        wait_until("2 ready tasks", lambda: sum(ready(ops) for _, ops in endpoints()) == 2, timeout=90, interval=0.5)
        print(f"swarm: 2 tasks ready {time.monotonic() - started:.1f} s after deploy")
        load = BalancedLoad()
        try:
            wait_until("the first answers", lambda: load.succeeded >= 20, timeout=30)
            phase = time.monotonic()
            docker("service", "update", "--detach=false", "--no-resolve-image", "--update-monitor", "2s",
                   "--image", tag, SERVICE, timeout=180)
            print(f"swarm: rolling update to {tag} took {time.monotonic() - phase:.1f} s")
            images = docker("service", "ps", "--filter", "desired-state=running", "--format", "{{.Image}}",
                            SERVICE).stdout.split()
            assert images == [tag, tag], images
            for replicas in (3, 2):
                phase = time.monotonic()
                docker("service", "scale", "--detach=false", f"{SERVICE}={replicas}", timeout=120)
                wait_until(f"{replicas} tasks", lambda: len(task_containers()) == replicas, timeout=60, interval=0.5)
                print(f"swarm: scale to {replicas} took {time.monotonic() - phase:.1f} s")
            count = load.succeeded
            wait_until("answers after the scale-down", lambda: load.succeeded >= count + 20, timeout=30)
            # 2 tasks replaced by the image update and 1 scaled away. (Checked now: Swarm's task reaper
            # may remove a scaled-away task's container later.)
            first = wait_until("3 stopped tasks", lambda: stopped if len(stopped := exited()) >= 3 else None,
                               timeout=90, interval=0.5)
            assert len(first) == 3, first
            drained(first)
            # A CPU limit of 1: the new tasks size their pools from it. WORKERS_PER_CORE=3 tells the
            # limit's count (3 × 1) from the host's (3 × its CPUs) on a host of 2 cores or more.
            phase = time.monotonic()
            docker("service", "update", "--detach=false", "--no-resolve-image", "--update-monitor", "2s",
                   "--limit-cpu", "1", "--env-add", "WORKERS_PER_CORE=3", SERVICE, timeout=180)
            print(f"swarm: update to --limit-cpu 1 took {time.monotonic() - phase:.1f} s")
            wait_until("2 ready tasks after the limit", lambda: sum(ready(ops) for _, ops in endpoints()) == 2,
                       timeout=90, interval=0.5)
            sizes = sorted(pool_sizes(ops) for _, ops in endpoints() if ready(ops))  # not the old ones stopping
            assert sizes == [3, 3], f"workers per task {sizes}: 3 × ceil(1 CPU) expected, the host has {os.cpu_count()}"
            count = load.succeeded
            wait_until("answers after the limit", lambda: load.succeeded >= count + 20, timeout=30)
            # The 2 tasks the limit replaced (the last may still be draining).
            later = wait_until("2 more stopped tasks",
                               lambda: new if len(new := [c for c in exited() if c not in first]) >= 2 else None,
                               timeout=90, interval=0.5)
            assert len(later) == 2, later
            drained(later)
        finally:
            load.stop()
        print(f"swarm: {load.succeeded} answers, {len(load.failures)} failed, in {time.monotonic() - started:.1f} s")
        assert load.failures == [], load.failures[:10]
    finally:
        docker("rmi", tag, check=False)


# --- podman kube play -------------------------------------------------------------------------------

POD = "drover-pod-0"  # podman names a Deployment's pod NAME-pod-0


def podman(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)} exited {result.returncode}\n{result.stderr}")
    return result


def podman_unusable() -> str | None:
    """Why podman cannot run the pod here, or None."""
    if shutil.which("podman") is None:
        return "podman is not installed (scripts/test-containers installs Debian's podman when apt can)"
    result = subprocess.run(["podman", "info", "--format", "{{.Host.OCIRuntime.Name}}"], capture_output=True,
                            text=True, timeout=60)
    if result.returncode != 0:
        return f"podman cannot run here: {result.stderr.strip()[-300:]}"
    if result.stdout.strip() == "crun" and Path("/sys/fs/cgroup/unified").is_dir():
        return "podman would use crun, which refuses cgroup v1 hybrid mode: run scripts/test-containers (runc)"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pod_for_this_engine(image: str, directory: Path) -> tuple[Path, dict[str, int], dict]:
    """The Deployment with the test image, one replica (podman 4 makes one pod), and its ports
    published on 127.0.0.1 (a kubelet reaches the pod's IP; here the test stands for it)."""
    deployment = yaml.safe_load((REPO / "packaging/kubernetes/deployment.yaml").read_text())
    deployment["spec"]["replicas"] = 1
    app = deployment["spec"]["template"]["spec"]["containers"][0]
    app["image"] = image
    app["imagePullPolicy"] = "Never"
    published = {}
    for port in app["ports"]:
        port["hostIP"] = "127.0.0.1"
        port["hostPort"] = published[port["name"]] = free_port()
    path = directory / "deployment.yaml"
    path.write_text(yaml.safe_dump(deployment, sort_keys=False))
    return path, published, deployment


def test_podman_kube_play_of_the_deployment(fixture_image: str, tmp_path: Path) -> None:
    """The pod starts, its probes answer on the ops port, and a stop of its container (SIGTERM, as
    the kubelet sends it, with terminationGracePeriodSeconds) spends the shutdown delay not ready
    but serving, lets the in-flight request complete and exits 0. (`podman kube down` in podman 4.3
    stops the pod's infra container at the same moment, which tears the published ports down at
    once: measured, so the drain is driven through `podman stop` of the app container, then
    `kube down`.)"""
    reason = podman_unusable()
    if reason:
        pytest.skip(reason)
    image = "localhost/drover-kube-test:latest"
    started = time.monotonic()
    saved = subprocess.Popen([*DOCKER, "save", fixture_image], stdout=subprocess.PIPE)
    loaded = subprocess.run(["podman", "load"], stdin=saved.stdout, capture_output=True, text=True, timeout=300)
    saved.wait(timeout=60)
    assert loaded.returncode == 0, loaded.stderr
    podman("tag", "localhost/" + fixture_image, image)
    print(f"podman: image loaded in {time.monotonic() - started:.1f} s")
    path, ports, deployment = pod_for_this_engine(image, tmp_path)
    spec = deployment["spec"]["template"]["spec"]
    app = spec["containers"][0]
    try:
        podman("kube", "play", str(path))
        container = f"{POD}-{app['name']}"
        wait_until("the pod ready (/readyz)", lambda: ready(ports["ops"]), timeout=60, interval=0.2)
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            get = app[probe]["httpGet"]
            assert http_get(ports[get["port"]], get["path"], timeout=5)[0] == 200, probe
        assert http_get(ports["http"], "/")[0] == 200

        slow: dict[str, object] = {}
        client = threading.Thread(target=lambda: slow.update(answer=http_get(ports["http"], "/slow?s=3", timeout=30)))
        client.start()
        wait_until("the slow request", lambda: "slow request" in podman("logs", container).stdout, timeout=10)
        grace = str(spec["terminationGracePeriodSeconds"])
        sent = time.monotonic()
        stop = subprocess.Popen(["podman", "stop", "-t", grace, container], stdout=subprocess.DEVNULL)
        wait_until("/readyz 503", lambda: http_get(ports["ops"], "/readyz", timeout=1)[0] == 503, timeout=10,
                   interval=0.01)
        print(f"podman: /readyz 503 {1000 * (time.monotonic() - sent):.0f} ms after podman stop")
        served = sum(http_get(ports["http"], "/", timeout=5)[0] == 200 for _ in range(10))
        assert served == 10, "fresh connections during the shutdown delay"
        assert stop.wait(timeout=int(grace) + 10) == 0
        print(f"podman: the container stopped {time.monotonic() - sent:.1f} s after podman stop")
        client.join(timeout=30)
        assert slow.get("answer", (None,))[0] == 200, slow
        logs = podman("logs", container).stderr
        assert "Shutdown delay: not ready" in logs and "Stopping gracefully" in logs, logs[-3000:]
        assert podman("inspect", "--format", "{{.State.ExitCode}}", container).stdout.strip() == "0"
    finally:
        podman("kube", "down", str(path), check=False)
        podman("rmi", "-f", image, "localhost/" + fixture_image, check=False)
