"""Static checks of the orchestrator files: packaging/kubernetes (kustomize) and packaging/swarm.

No cluster is needed (kubeconform and a Kubernetes API server are not available offline):

- every file is YAML that parses, every Kubernetes object has its apiVersion, kind and name, and the
  kustomization names exactly the files beside it (rendered with `kubectl kustomize` when kubectl is
  on PATH);
- the objects fit together: selectors match the pod's labels, the Service's targetPort and the
  probes' ports name the container's ports, the HPA targets the Deployment, the container has CPU
  and memory requests and limits;
- the probes point at endpoints droverd really serves (a real droverd's ops listener answers them,
  and the ops port is the one `--ops-bind` is given);
- the grace arithmetic holds: terminationGracePeriodSeconds and stop_grace_period are at least
  SHUTDOWN_DELAY + GRACEFUL_TIMEOUT + a margin, as parsed from the files, and the comment that shows
  the sum uses the files' numbers.

Each check returns its problems, and is also run on altered copies to show it catches them.
Tests/Containers/test_orchestrators.py deploys the same files on real engines.
"""

from __future__ import annotations

import copy
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from test_packaging import REPO, bin_dir, droverctl, droverd, run  # noqa: F401 (fixtures)

KUBERNETES = REPO / "packaging/kubernetes"
STACK = REPO / "packaging/swarm/stack.yml"
# What droverd needs beyond the delay and the drain: the abort grace (1 s), its exit, a loaded node.
MARGIN = 5
KINDS = {"Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler"}


def load_documents(path: Path) -> list[dict[str, Any]]:
    return [document for document in yaml.safe_load_all(path.read_text()) if document is not None]


def kustomization() -> dict[str, Any]:
    return load_documents(KUBERNETES / "kustomization.yaml")[0]


def objects() -> dict[str, dict[str, Any]]:
    """The kustomization's resources, by kind."""
    found: dict[str, dict[str, Any]] = {}
    for resource in kustomization()["resources"]:
        for document in load_documents(KUBERNETES / resource):
            found[document["kind"]] = document
    return found


def stack() -> dict[str, Any]:
    return load_documents(STACK)[0]


def seconds(value: Any) -> float:
    """A Compose duration (`45s`, `1m30s`, `500ms`) or a number of seconds."""
    if isinstance(value, (int, float)):
        return float(value)
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 1e-6}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|us|h|m|s)", value)
    assert parts and "".join(n + u for n, u in parts) == value, f"not a duration: {value!r}"
    return sum(float(n) * units[u] for n, u in parts)


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, "one container per pod"
    return containers[0]


def environment(entries: Any) -> dict[str, str]:
    """A container's `env` list or a Compose service's `environment` (map or list)."""
    if isinstance(entries, dict):
        return {k: str(v) for k, v in entries.items()}
    result: dict[str, str] = {}
    for entry in entries or []:
        if isinstance(entry, dict):
            result[entry["name"]] = str(entry.get("value", ""))
        else:
            name, _, value = entry.partition("=")
            result[name] = value
    return result


def ops_port(arguments: list[str]) -> int | None:
    """The TCP port droverd's `--ops-bind HOST:PORT` is given."""
    for flag, value in zip(arguments, arguments[1:]):
        if flag == "--ops-bind":
            return int(value.rsplit(":", 1)[1])
    return None


def served_paths() -> set[str]:
    """The paths droverd's ops listener answers, from its source (a real droverd confirms them)."""
    source = (REPO / "Sources/DroverDaemon/Daemon+Ops.swift").read_text()
    return set(re.findall(r'case "(/[a-z]+)":', source))


# --- the checks (each returns its problems) -----------------------------------------------------


def structure_problems(found: dict[str, dict[str, Any]]) -> list[str]:
    problems = []
    if set(found) != KINDS:
        problems.append(f"kinds {sorted(found)} are not {sorted(KINDS)}")
        return problems
    for kind, document in found.items():
        for key in ("apiVersion", "kind"):
            if not document.get(key):
                problems.append(f"{kind} has no {key}")
        if not document.get("metadata", {}).get("name"):
            problems.append(f"{kind} has no metadata.name")
    deployment = found["Deployment"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    for kind, selector in [
        ("Deployment", deployment["spec"]["selector"]["matchLabels"]),
        ("Service", found["Service"]["spec"]["selector"]),
        ("PodDisruptionBudget", found["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"]),
    ]:
        if not selector or any(labels.get(k) != v for k, v in selector.items()):
            problems.append(f"{kind}'s selector {selector} does not select the pod's labels {labels}")
    app = container(deployment)
    port_names = {p.get("name"): p["containerPort"] for p in app.get("ports", [])}
    for port in found["Service"]["spec"]["ports"]:
        target = port.get("targetPort")
        if target not in port_names and target not in port_names.values():
            problems.append(f"the Service's targetPort {target} is no container port")
    target = found["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]
    if (target.get("kind"), target.get("name")) != ("Deployment", deployment["metadata"]["name"]):
        problems.append(f"the HPA targets {target}, not the Deployment")
    metrics = found["HorizontalPodAutoscaler"]["spec"].get("metrics", [])
    if not any(m.get("resource", {}).get("name") == "cpu" for m in metrics):
        problems.append("the HPA does not scale on CPU")
    resources = app.get("resources", {})
    for part in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            if resource not in resources.get(part, {}):
                problems.append(f"the container has no {part}.{resource}")
    if deployment["spec"].get("strategy", {}).get("rollingUpdate", {}).get("maxUnavailable") != 0:
        problems.append("the rollout may take a pod away before its replacement is ready (maxUnavailable)")
    return problems


def probe_problems(deployment: dict[str, Any], served: set[str]) -> list[str]:
    problems = []
    app = container(deployment)
    ports = {p.get("name"): p["containerPort"] for p in app.get("ports", [])}
    ops = ops_port(app.get("args", []) + app.get("command", []))
    if ops is None:
        return ["the container does not give droverd --ops-bind HOST:PORT"]
    if ops not in ports.values():
        problems.append(f"the ops port {ops} is not a container port")
    expected = {"startupProbe": "/readyz", "readinessProbe": "/readyz", "livenessProbe": "/livez"}
    for probe, path in expected.items():
        get = app.get(probe, {}).get("httpGet")
        if get is None:
            problems.append(f"no {probe} with httpGet")
            continue
        port = ports.get(get["port"], get["port"])
        if port != ops:
            problems.append(f"the {probe} asks port {get['port']} ({port}), not the ops port {ops}")
        if get["path"] not in served:
            problems.append(f"the {probe} asks {get['path']}, which droverd does not serve")
        elif get["path"] != path:
            problems.append(f"the {probe} asks {get['path']}, not {path}")
    environment_names = environment(app.get("env"))
    http = int(environment_names.get("PORT", "80"))
    if http not in ports.values():
        problems.append(f"droverd binds PORT={http}, which is no container port")
    return problems


def comment_sum(text: str) -> dict[str, int]:
    """The numbers of the comment `SHUTDOWN_DELAY N s + GRACEFUL_TIMEOUT N s + margin N s = N s`."""
    numbers: dict[str, int] = {}
    for name in ("SHUTDOWN_DELAY", "GRACEFUL_TIMEOUT", "margin"):
        match = re.search(rf"{name}\s+(\d+) s", text)
        if match:
            numbers[name] = int(match.group(1))
    total = re.search(r"= (\d+) s", text)
    if total:
        numbers["total"] = int(total.group(1))
    return numbers


def grace_problems(what: str, grace: float, env: dict[str, str], comment: str) -> list[str]:
    problems = []
    delay = float(env.get("SHUTDOWN_DELAY", "0"))
    graceful = float(env.get("GRACEFUL_TIMEOUT", "120"))  # the seed's default
    if delay <= 0:
        problems.append(f"{what}: no SHUTDOWN_DELAY: the SIGTERM race is open")
    if grace < delay + graceful + MARGIN:
        problems.append(
            f"{what}: {grace:g} s < SHUTDOWN_DELAY {delay:g} + GRACEFUL_TIMEOUT {graceful:g} + margin {MARGIN}"
        )
    shown = comment_sum(comment)
    wanted = {"SHUTDOWN_DELAY": delay, "GRACEFUL_TIMEOUT": graceful, "total": grace}
    for name, value in wanted.items():
        if shown.get(name) != value:
            problems.append(f"{what}: the comment's {name} is {shown.get(name)}, the file's {value:g}")
    if shown.get("margin") is not None and shown["margin"] + delay + graceful != shown.get("total"):
        problems.append(f"{what}: the comment's sum does not add up: {shown}")
    return problems


def kubernetes_grace_problems(deployment: dict[str, Any], text: str) -> list[str]:
    spec = deployment["spec"]["template"]["spec"]
    return grace_problems(
        "terminationGracePeriodSeconds", spec.get("terminationGracePeriodSeconds", 30),
        environment(container(deployment).get("env")), text,
    )


def swarm_problems(service: dict[str, Any], text: str, served: set[str]) -> list[str]:
    problems = grace_problems(
        "stop_grace_period", seconds(service.get("stop_grace_period", "10s")),
        environment(service.get("environment")), text,
    )
    deploy = service.get("deploy", {})
    if deploy.get("update_config", {}).get("order") != "start-first":
        problems.append("update_config.order is not start-first")
    if deploy.get("replicas") != 2:
        problems.append(f"{deploy.get('replicas')} replicas, not 2")
    limits = deploy.get("resources", {}).get("limits", {})
    if "cpus" not in limits or "memory" not in limits:
        problems.append("no CPU and memory limits")
    command = service.get("command", [])
    ops = ops_port(command)
    test = " ".join(service.get("healthcheck", {}).get("test", []))
    match = re.search(r"http://127\.0\.0\.1:(\d+)(/[a-z]*)", test)
    if ops is None:
        problems.append("the command does not give droverd --ops-bind HOST:PORT")
    elif not match:
        problems.append(f"the healthcheck {test!r} asks no ops URL")
    elif int(match.group(1)) != ops or match.group(2) not in served:
        problems.append(f"the healthcheck asks {match.group(0)}, not one of {sorted(served)} on port {ops}")
    port = int(environment(service.get("environment")).get("PORT", "80"))
    if [p.get("target") for p in service.get("ports", [])] != [port]:
        problems.append(f"the published port's target is not PORT={port}")
    return problems


# --- the tests ----------------------------------------------------------------------------------


def test_every_file_parses_and_the_kustomization_names_them_all() -> None:
    names = {p.name for p in KUBERNETES.iterdir() if p.suffix in (".yaml", ".yml")}
    resources = kustomization()["resources"]
    assert set(resources) | {"kustomization.yaml"} == names
    for name in names:
        assert load_documents(KUBERNETES / name), name
    assert stack()["services"]["app"]


def test_kubectl_kustomize_renders_the_four_objects() -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed (the structure is checked without it)")
    rendered = run(kubectl, "kustomize", KUBERNETES).stdout
    kinds = [d["kind"] for d in yaml.safe_load_all(rendered) if d]
    assert sorted(kinds) == sorted(KINDS)


def test_the_objects_fit_together() -> None:
    assert structure_problems(objects()) == []


def test_structure_check_catches_mistakes() -> None:
    found = objects()
    broken = copy.deepcopy(found)
    broken["Service"]["spec"]["selector"] = {"app.kubernetes.io/name": "other"}
    broken["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]["name"] = "other"
    del container(broken["Deployment"])["resources"]["limits"]
    problems = structure_problems(broken)
    assert len(problems) == 4, problems


def test_probes_ask_the_ops_port_for_endpoints_droverd_serves() -> None:
    served = served_paths()
    assert {"/livez", "/readyz"} <= served
    assert probe_problems(objects()["Deployment"], served) == []


def test_probe_check_catches_mistakes() -> None:
    deployment = copy.deepcopy(objects()["Deployment"])
    app = container(deployment)
    app["livenessProbe"]["httpGet"]["path"] = "/healthz"
    app["readinessProbe"]["httpGet"]["port"] = "http"
    app["args"] = [a.replace(":9100", ":9200") for a in app["args"]]
    problems = probe_problems(deployment, served_paths())
    assert any("/healthz" in p for p in problems), problems
    assert any("readinessProbe asks port http" in p for p in problems), problems
    assert any("ops port 9200 is not a container port" in p for p in problems), problems


def test_the_grace_period_covers_the_delay_and_the_drain() -> None:
    text = (KUBERNETES / "deployment.yaml").read_text()
    assert kubernetes_grace_problems(objects()["Deployment"], text) == []
    service = stack()["services"]["app"]
    assert swarm_problems(service, STACK.read_text(), served_paths()) == []


def test_grace_check_catches_mistakes() -> None:
    deployment = copy.deepcopy(objects()["Deployment"])
    deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = 30
    text = (KUBERNETES / "deployment.yaml").read_text()
    problems = kubernetes_grace_problems(deployment, text)
    assert any("30 s < SHUTDOWN_DELAY 5 + GRACEFUL_TIMEOUT 30" in p for p in problems), problems
    stale = text.replace("GRACEFUL_TIMEOUT    30 s", "GRACEFUL_TIMEOUT    20 s")
    assert any("comment's GRACEFUL_TIMEOUT" in p for p in kubernetes_grace_problems(objects()["Deployment"], stale))
    service = copy.deepcopy(stack()["services"]["app"])
    service["environment"]["GRACEFUL_TIMEOUT"] = "120"
    service["deploy"]["update_config"]["order"] = "stop-first"
    service["healthcheck"]["test"] = ["CMD", "curl", "http://127.0.0.1:9100/health"]
    problems = swarm_problems(service, STACK.read_text(), served_paths())
    assert any("45 s < SHUTDOWN_DELAY 5 + GRACEFUL_TIMEOUT 120" in p for p in problems), problems
    assert any("start-first" in p for p in problems), problems
    assert any("/health" in p for p in problems), problems


def ops_get(path: Path, target: str) -> int:
    """The status of `GET target` on a Unix-socket ops listener."""
    with socket.socket(socket.AF_UNIX) as connection:
        connection.settimeout(5)
        connection.connect(str(path))
        connection.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := connection.recv(4096):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


def test_a_real_droverd_answers_every_probe_path(droverd: Path, droverctl: Path, tmp_path: Path) -> None:  # noqa: F811
    ops = tmp_path / "ops.sock"
    control = str(tmp_path / "control.sock")
    process = subprocess.Popen(
        [droverd, "--ops-bind", f"unix:{ops}", "--control-socket", control, "-w", "1", "-k", "command", "--no-wait-ready", "--",
         "/bin/sleep", "60"],
        cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while run(droverctl, "--socket", control, "status", "--ready", check=False).returncode != 0:
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "droverd not ready in 30 s"
            time.sleep(0.05)
        deployment = objects()["Deployment"]
        paths = {container(deployment)[p]["httpGet"]["path"] for p in ("startupProbe", "readinessProbe", "livenessProbe")}
        health = " ".join(stack()["services"]["app"]["healthcheck"]["test"])
        paths |= set(re.findall(r"http://127\.0\.0\.1:\d+(/[a-z]+)", health))
        assert {path: ops_get(ops, path) for path in sorted(paths)} == {path: 200 for path in sorted(paths)}
        assert ops_get(ops, "/nowhere") == 404  # (a path droverd does not serve would be noticed)
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0
