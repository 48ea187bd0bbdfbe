"""The monitoring files (packaging/monitoring): Prometheus alerting rules and a Grafana dashboard.

- `promtool check rules` accepts drover-alerts.yml, and `promtool test rules` runs
  drover-alerts.test.yml, which fires every alert from synthetic series (and checks that a healthy
  pool fires none); skipped with the reason when promtool (Debian's `prometheus`) is missing.
- Every metric name the rules and the dashboard's PromQL use is one a live droverd serves on
  /metrics: droverd (DROVER_BIN, else .build-release) runs examples/hello with one worker, an ops
  listener and a TCP listener, so every family it exports is there.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
MONITORING = REPO / "packaging/monitoring"
RULES = MONITORING / "drover-alerts.yml"
RULE_TESTS = MONITORING / "drover-alerts.test.yml"
DASHBOARD = MONITORING / "drover-dashboard.json"

# PromQL words that are not metric names: aggregations, functions (followed by "(" anyway),
# binary operators and modifiers.
PROMQL_KEYWORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool",
    "offset", "sum", "min", "max", "avg", "count", "topk", "bottomk", "quantile", "stddev", "stdvar",
}


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression (or Grafana's `label_values(metric, label)`) selects."""
    names = set(re.findall(r"label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)", expr))
    expr = re.sub(r"label_values\([^)]*\)", " ", expr)
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # strings
    expr = re.sub(r"\{[^}]*\}", " ", expr)  # label matchers
    expr = re.sub(r"\[[^\]]*\]", " ", expr)  # ranges
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    expr = re.sub(r"\$\w+", " ", expr)  # Grafana's variables
    for match in re.finditer(r"(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*", expr):
        if match.group() in PROMQL_KEYWORDS or expr[match.end():].lstrip().startswith("("):
            continue
        names.add(match.group())
    return names


def rule_expressions() -> list[str]:
    rules = yaml.safe_load(RULES.read_text())
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def dashboard_expressions() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = []

    def walk(panels: list[dict]) -> None:
        for panel in panels:
            exprs.extend(target["expr"] for target in panel.get("targets", []) if target.get("expr"))
            walk(panel.get("panels", []))

    walk(dashboard["panels"])
    for variable in dashboard["templating"]["list"]:
        query = variable.get("query")
        if variable["type"] == "query":
            exprs.append(query["query"] if isinstance(query, dict) else query)
    return exprs


@pytest.fixture(scope="module")
def promtool() -> str:
    path = shutil.which("promtool")
    if not path:
        pytest.skip("promtool is missing (Debian's prometheus package; scripts/bootstrap installs it)")
    return path


@pytest.fixture(scope="module")
def exported_names(tmp_path_factory: pytest.TempPathFactory) -> Iterator[set[str]]:
    """Every sample name a live droverd's /metrics shows (text format)."""
    bin_dir = Path(os.environ.get("DROVER_BIN") or REPO / ".build-release/release")
    droverd = bin_dir / "droverd"
    if not droverd.is_file():
        pytest.skip(f"no droverd at {droverd}: set DROVER_BIN (scripts/test-packaging does)")
    python = Path(os.environ.get("DROVER_TEST_PYTHON") or REPO / ".venv/bin/python")
    if not python.exists():
        pytest.skip(f"no python with Uvicorn at {python}")
    tmp = tmp_path_factory.mktemp("droverd")
    env = {key: value for key, value in os.environ.items()
           if key not in {"WEB_CONCURRENCY", "BIND", "HOST", "PORT", "DROVER_ARGS", "GUNICORN_CMD_ARGS",
                          "DROVER_CONF", "APP_MODULE", "NOTIFY_SOCKET", "LISTEN_FDS", "DROVER_OPS_BIND"}}
    # drover-worker: the checkout's launcher, run by the app's python.
    env.update(DROVER_PYTHON=str(python), PYTHONPATH=str(REPO / "python"),
               PATH=f"{python.parent}:{os.environ.get('PATH', '/usr/bin:/bin')}")
    log_path = tmp / "droverd.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [droverd, "-w", "1", "-b", "127.0.0.1:0", "--ops-bind", "127.0.0.1:0",
             "--control-socket", tmp / "drover.sock", "--chdir", REPO / "examples/hello",
             "--graceful-timeout", "5", "main:app"],
            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
    try:
        names: set[str] = set()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            match = re.search(r"Ops listener: http://127\.0\.0\.1:(\d+)", log_path.read_text())
            if match:
                with urllib.request.urlopen(f"http://127.0.0.1:{match.group(1)}/metrics", timeout=10) as response:
                    body = response.read().decode()
                names = {line.split("{")[0].split(" ")[0] for line in body.splitlines()
                         if line and not line.startswith("#")}
                # Every family droverd has shows once the worker is ready and has beaten.
                if "drover_worker_heartbeat_age_seconds" in names and "drover_worker_pss_bytes" in names:
                    break
            time.sleep(0.2)
        assert "drover_worker_heartbeat_age_seconds" in names, log_path.read_text()
        yield names
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def test_promql_metric_names_are_found() -> None:
    """The extraction the other tests rely on: names, not functions, labels, strings or variables."""
    expr = ('sum by (pool, le) (rate(drover_x_bucket{pool=~"$pool", a="b{c}"}[$__rate_interval])) '
            '/ on (pool) group_left drover_y > 0.5 or max without (state) (drover_z{state="x"}) offset 5m')
    assert metric_names(expr) == {"drover_x_bucket", "drover_y", "drover_z"}
    assert metric_names('label_values(drover_workers_desired{job=~"$job"}, instance)') == {"drover_workers_desired"}


def test_alert_rules_pass_promtool_check(promtool: str) -> None:
    result = subprocess.run([promtool, "check", "rules", RULES], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 5 rules found" in result.stdout + result.stderr


def test_alert_rules_unit_tests_fire_every_alert(promtool: str) -> None:
    result = subprocess.run([promtool, "test", "rules", RULE_TESTS.name], cwd=MONITORING,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    alerts = {rule["alert"] for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]}
    fired = {case["alertname"] for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]
             for case in test.get("alert_rule_test", []) if case.get("exp_alerts")}
    assert fired == alerts, f"alerts no test fires: {alerts - fired}"


def test_rules_and_dashboard_use_only_metrics_droverd_exports(exported_names: set[str]) -> None:
    for source, exprs in (("drover-alerts.yml", rule_expressions()), ("drover-dashboard.json", dashboard_expressions())):
        used = set().union(*(metric_names(expr) for expr in exprs))
        assert used, source
        assert used <= exported_names, f"{source} uses metrics droverd does not export: {sorted(used - exported_names)}"


def test_dashboard_is_grafana_json() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] == "drover" and dashboard["schemaVersion"] >= 36
    panels = [panel for panel in dashboard["panels"] if panel["type"] != "row"]
    assert len(panels) >= 10
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in panels:
        assert panel["targets"] and panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
