"""From raw per-run results to the side-by-side table: median [min–max] per server, the
Drover/Gunicorn ratio, and the issue's target for Drover."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Callable

SERVER_ORDER = ("gunicorn", "uvicorn", "drover")
HEADERS = {"gunicorn": "Gunicorn + UvicornWorker", "uvicorn": "uvicorn --workers", "drover": "Drover"}


@dataclass
class Row:
    scenario: str
    key: str
    label: str
    fmt: str = "{:.3f}"
    target: str = ""
    check: Callable[[float, dict[str, float | None]], bool] | None = None  # (drover, medians) -> met
    section: str = ""


def _le(limit: float):
    return lambda v, _m: v <= limit


def _ratio_ge(key_ratio: float):
    return lambda v, m: m.get("gunicorn") is not None and v >= key_ratio * m["gunicorn"]


def rows(settings) -> list[Row]:
    T = settings.heartbeat_timeout
    imp = settings.import_delay
    n_many, n_tiny = settings.status_workers, settings.tiny_workers
    return [
        Row("basic", "boot_first_200_s", "boot: launch → first 200 (s)", section="Boot, throughput, memory, idle"),
        Row("basic", "boot_all_serving_s", "boot: launch → both workers seen serving (s)", target="≤ Gunicorn",
            check=lambda v, m: m.get("gunicorn") is not None and v <= m["gunicorn"]),
        Row("basic", "boot_all_accepting_s", "boot: launch → both workers accepting (s)"),
        Row("basic", "rps", "req/s, wrk -t2 -c64 on / (access log off)", "{:.0f}", target="ratio ≥ 1.00",
            check=_ratio_ge(1.0)),
        Row("basic", "p50_ms", "p50 latency (ms)", "{:.2f}"),
        Row("basic", "p99_ms", "p99 latency (ms)", "{:.2f}"),
        Row("basic", "wrk_errors", "wrk socket errors", "{:g}"),
        Row("basic", "wrk_non2xx", "wrk non-2xx", "{:g}"),
        Row("basic", "req_per_cpu_s", "requests per server CPU-second", "{:.0f}"),
        Row("basic", "master_cpu_wrk_ms", "master CPU during the wrk run (ms, 10 ms ticks)", "{:.0f}"),
        Row("basic", "master_rss_mib", "master RSS (MiB)", "{:.1f}", target="≤ 8 MiB", check=_le(8.0)),
        Row("basic", "master_pss_mib", "master PSS (MiB)", "{:.1f}"),
        Row("basic", "worker_rss_mib", "per-worker RSS (MiB)", "{:.1f}"),
        Row("basic", "worker_pss_mib", "per-worker PSS (MiB)", "{:.1f}"),
        Row("basic", "total_rss_mib", "total RSS, master + workers + helpers (MiB)", "{:.1f}"),
        Row("basic", "total_pss_mib", "total PSS (MiB)", "{:.1f}"),
        Row("basic", "processes", "processes in the tree", "{:g}"),
        Row("basic", "idle_wakeups", "idle master wake-ups / 10 s (schedstat runs, all threads)", "{:g}",
            target="≤ 1", check=_le(1)),
        Row("basic", "idle_voluntary", "idle master voluntary ctx switches / 10 s", "{:g}"),
        Row("basic", "idle_cpu_ms", "idle master CPU / 10 s (ms)", "{:.2f}"),
        Row("basic", "master_threads", "master threads", "{:g}"),
        Row("basic", "idle_worker_wakeups", "idle per-worker wake-ups / 10 s", "{:.0f}"),
        Row("basic", "idle_worker_cpu_ms", "idle per-worker CPU / 10 s (ms)", "{:.1f}"),

        Row("reload", "reload_errors", "reload (HUP at 3 s of wrk c32): wrk socket errors", "{:g}", target="0",
            check=_le(0), section="Reload under keep-alive load"),
        Row("reload", "reload_non2xx", "reload: wrk non-2xx", "{:g}", target="0", check=_le(0)),
        Row("reload", "reload_probe_failures", "reload: fresh-connection probe failures", "{:g}"),
        Row("reload", "reload_max_ms", "reload: wrk max latency (ms)", "{:.0f}"),
        Row("reload", "reload_none_accepting_s", "reload: time with no worker accepting (s)"),
        Row("reload", "reload_total_s", "reload: HUP → only new workers accepting (s)"),
        Row("reload", "reload_old_exited_s", "reload: HUP → old workers exited (s)"),
        Row("reload", "reload_drover_boot_s", "reload: droverd's spawn → READY of the slowest new worker (s)"),

        Row("reload_slow", "rslow_none_accepting_s", f"reload, {imp:g} s import: time with no worker accepting (s)",
            target="0 s", check=_le(0.0), section=f"Reload with an app that takes {imp:g} s to import"),
        Row("reload_slow", "rslow_total_s", f"reload, {imp:g} s import: HUP → only new workers accepting (s)",
            target=f"≤ {imp + 0.3:g} s", check=_le(imp + 0.3)),
        Row("reload_slow", "rslow_old_exited_s", "reload, slow import: HUP → old workers exited (s)"),
        Row("reload_slow", "rslow_drover_boot_s", "reload, slow import: droverd's spawn → READY, slowest (s)"),
        Row("reload_slow", "rslow_errors", "reload, slow import: wrk socket errors", "{:g}"),
        Row("reload_slow", "rslow_non2xx", "reload, slow import: wrk non-2xx", "{:g}"),
        Row("reload_slow", "rslow_max_ms", "reload, slow import: wrk max latency (ms)", "{:.0f}"),

        Row("crash", "crash_errors", "kill -9 a worker at 3 s of wrk c32: wrk socket errors", "{:g}",
            section="kill -9 a worker under load"),
        Row("crash", "crash_non2xx", "crash: wrk non-2xx", "{:g}"),
        Row("crash", "crash_probe_failures", "crash: fresh-connection probe failures", "{:g}"),
        Row("crash", "crash_exists_s", "crash: replacement process exists (s)"),
        Row("crash", "crash_accepting_s", "crash: replacement accepting (s)"),
        Row("crash", "crash_serving_s", "crash: replacement seen serving (s)", target="≤ 0.20 s", check=_le(0.20)),
        Row("crash", "crash_drover_respawn_ms", "crash: droverd's exit seen → respawn (ms)", "{:.1f}"),
        Row("crash", "crash_drover_boot_s", "crash: droverd's spawn → READY (s)"),

        Row("scale", "scale_exists_s", "scale +1 (TTIN): new process exists (s)", section="Scale +1"),
        Row("scale", "scale_accepting_s", "scale +1: new worker accepting (s)"),
        Row("scale", "scale_serving_s", "scale +1: new worker seen serving (s)", target="≤ 0.20 s", check=_le(0.20)),
        Row("scale", "scale_drover_boot_s", "scale +1: droverd's spawn → READY (s)"),

        Row("heartbeat", "hb_kill_s", f"blocked loop, timeout {T:g} s: block → worker killed (s)",
            target=f"in [{T:g}, {T + 1:g}] s", check=lambda v, _m: T <= v <= T + 1, section="Heartbeat timeout"),
        Row("heartbeat", "hb_replacement_accepting_s", "blocked loop: block → replacement accepting (s)"),

        Row("stop", "stop_completed", "graceful stop (TERM 0.5 s into 20× /slow?s=2): completed", "{:g}",
            target="20/20", check=lambda v, _m: v >= 20, section="Graceful stop"),
        Row("stop", "stop_refused_from_s", "stop: new connections refused from (s after TERM)", target="≤ 0.1 s",
            check=_le(0.1)),
        Row("stop", "stop_new_served", "stop: new connections served after TERM", "{:g}"),
        Row("stop", "stop_new_hung_or_reset", "stop: new connections hung or reset", "{:g}"),
        Row("stop", "stop_exit_s", "stop: TERM → master exited (s)"),

        Row("status", "status_ms", f"status with {n_many} workers: whole-process wall time (ms)", "{:.1f}",
            target="≤ 10 ms", check=_le(10), section="Control"),
        Row("status", "status_json_ms", f"status --json with {n_many} workers (ms)", "{:.1f}"),
        Row("status", "many_boot_s", f"launch → {n_many} workers accepting (s)", "{:.2f}"),
        Row("status", "master_rss_many_mib", f"master RSS with {n_many} workers (MiB)", "{:.1f}"),
        Row("spawn1000", "tiny_spawn_all_s", f"{n_tiny} `command` workers: launch → all spawned (s)", "{:.2f}",
            target="≤ 2 s", check=_le(2.0)),
        Row("spawn1000", "tiny_ready_seen_s", f"{n_tiny} workers: launch → status shows all ready (s)", "{:.2f}"),
        Row("spawn1000", "tiny_status_ms", f"status with {n_tiny} workers (ms)", "{:.1f}", target="≤ 50 ms",
            check=_le(50)),
        Row("spawn1000", "tiny_status_json_ms", f"status --json with {n_tiny} workers (ms)", "{:.1f}"),
        Row("spawn1000", "tiny_master_rss_mib", f"droverd RSS with {n_tiny} workers (MiB)", "{:.1f}"),
        Row("spawn1000", "tiny_idle_cpu_ms_per_10s", f"droverd idle CPU with {n_tiny} workers (ms / 10 s)", "{:.1f}"),
        Row("spawn1000", "tiny_stop_s", f"stop {n_tiny} workers: TERM → droverd exited (s)", "{:.2f}"),
    ]


def collect(results: list[dict]) -> dict:
    """{(scenario, server): {"values": {key: [v...]}, "na": reason|None, "errors": [..]}}"""
    table: dict = {}
    for r in results:
        cell = table.setdefault((r["scenario"], r["server"]), {"values": {}, "na": None, "errors": []})
        if r.get("na"):
            cell["na"] = r["na"]
        elif r.get("error"):
            cell["errors"].append(r["error"].strip().splitlines()[-1])
        else:
            for k, v in r["metrics"].items():
                cell["values"].setdefault(k, []).append(v)
    return table


def _cell(row: Row, cell: dict | None) -> tuple[str, float | None]:
    if cell is None:
        return "—", None
    if cell["na"]:
        return f"n/a: {cell['na']}", None
    values = cell["values"].get(row.key)
    if values is None:
        return ("error: " + cell["errors"][0]) if cell["errors"] else "—", None
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    missing = len(values) - len(numbers)
    if not numbers:
        if row.key == "hb_kill_s" and cell["values"].get("hb_not_killed_within_s"):
            within = cell["values"]["hb_not_killed_within_s"][0]
            return f"never (not killed within {within:g} s)", None
        return "never" if missing else "—", None
    med = statistics.median(numbers)
    text = row.fmt.format(med)
    if len(numbers) > 1:
        lo, hi = min(numbers), max(numbers)
        if lo != hi:
            text += f" [{row.fmt.format(lo)}–{row.fmt.format(hi)}]"
    if missing:
        text += f" ({missing} run(s): never)"
    return text, med


def render(results: list[dict], settings) -> str:
    table = collect(results)
    lines = []
    section = None
    header = "| metric | " + " | ".join(HEADERS[s] for s in SERVER_ORDER) + " | Drover / Gunicorn | Drover target | met |"
    rule = "|---|" + "---|" * (len(SERVER_ORDER) + 3)
    ran = {scenario for scenario, _server in table}
    current = ""
    explained: set = set()
    for row in rows(settings):
        current = row.section = row.section or current
        if row.scenario not in ran:
            continue
        if row.section != section:
            section = row.section
            if lines:
                lines.append("")
            lines += [f"**{section}**", "", header, rule]
        cells, medians = [], {}
        for server in SERVER_ORDER:
            text, med = _cell(row, table.get((row.scenario, server)))
            if text.startswith("n/a: "):  # the reason once per scenario
                text = "n/a" if (row.scenario, server) in explained else text
                explained.add((row.scenario, server))
            cells.append(text)
            medians[server] = med
        d, g = medians.get("drover"), medians.get("gunicorn")
        ratio = f"{d / g:.2f}" if d is not None and g not in (None, 0) else ""
        met = ""
        if row.check:
            met = "—" if d is None else ("yes" if row.check(d, medians) else "**no**")
        lines.append(f"| {row.label} | " + " | ".join(cells) + f" | {ratio} | {row.target} | {met} |")
    errors = [(k, c["errors"]) for k, c in table.items() if c["errors"]]
    if errors:
        lines += ["", "Runs that failed:"]
        lines += [f"- {scen} / {server}: {'; '.join(errs)}" for (scen, server), errs in errors]
    return "\n".join(lines) + "\n"
