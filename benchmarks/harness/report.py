"""From raw per-run results to the side-by-side table: median [min–max] per server (the servers
that ran, in SERVER_ORDER), the Drover/Gunicorn ratios, issue 7's target for Drover (exec), and,
when fork-mode Drover ran, issue 15's target for it."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Callable

SERVER_ORDER = ("gunicorn", "gunicorn-preload", "uvicorn", "granian", "drover", "drover-fork", "drover-preload")
HEADERS = {"gunicorn": "Gunicorn + UvicornWorker", "gunicorn-preload": "Gunicorn --preload",
           "uvicorn": "uvicorn --workers", "granian": "Granian", "drover": "Drover", "drover-fork": "Drover --spawn fork",
           "drover-preload": "Drover --preload"}
# (numerator, denominator, header): shown when both ran.
RATIOS = (("drover", "granian", "Drover / Granian"), ("drover", "gunicorn", "Drover / Gunicorn"), ("drover-fork", "gunicorn", "fork / Gunicorn"),
          ("drover-preload", "gunicorn", "preload / Gunicorn"),
          ("drover-preload", "gunicorn-preload", "preload / Gunicorn --preload"))
FORK_SERVERS = ("drover-fork", "drover-preload")


@dataclass
class Row:
    scenario: str
    key: str
    label: str
    fmt: str = "{:.3f}"
    target: str = ""
    check: Callable[[float, dict[str, float | None]], bool] | None = None  # (drover, medians) -> met
    section: str = ""
    # Issue 15 (fork mode): the target, and (server, medians) -> met, for drover-fork and drover-preload.
    fork_target: str = ""
    fork_check: Callable[[str, dict[str, float | None]], bool] | None = None


def _le(limit: float):
    return lambda v, _m: v <= limit


def _ratio_ge(key_ratio: float):
    return lambda v, m: m.get("gunicorn") is not None and v >= key_ratio * m["gunicorn"]


def _vs(server: str, medians: dict, ref: str, factor: float, ge: bool) -> bool:
    v, r = medians.get(server), medians.get(ref)
    if v is None or r is None:
        return False
    return v >= factor * r if ge else v <= factor * r


def _fork_ge_gunicorn(server, m):  # throughput: ratio ≥ 1.00
    return _vs(server, m, "gunicorn", 1.0, True)


def _fork_time(server, m):  # crash / scale: fork ≤ Gunicorn, preload ≤ 0.5 × Gunicorn
    return _vs(server, m, "gunicorn", 0.5 if server == "drover-preload" else 1.0, False)


def _fork_le_gunicorn(server, m):
    return _vs(server, m, "gunicorn", 1.0, False)


def _fork_pss(server, m):  # fork ≤ Gunicorn, preload ≤ Gunicorn --preload
    return _vs(server, m, "gunicorn-preload" if server == "drover-preload" else "gunicorn", 1.0, False)


def _fork_zero(server, m):
    return m.get(server) is not None and m[server] <= 0


def _memory_rows(settings) -> list[Row]:
    out = []
    for app, what in (("main", "example app"), ("big", "big app (+50 MiB at import)")):
        for n in settings.memory_workers:
            p = f"mem_{app}{n}_"
            out += [
                Row("memory", p + "boot_s", f"{what}, {n} workers: launch → all accepting (s)",
                    section="Memory (PSS from /proc/PID/smaps_rollup)"),
                Row("memory", p + "master_pss_mib", f"{what}, {n} workers: master PSS (MiB)", "{:.1f}"),
                Row("memory", p + "helpers_pss_mib", f"{what}, {n} workers: template / helpers PSS (MiB)", "{:.1f}"),
                Row("memory", p + "worker_pss_mib", f"{what}, {n} workers: per-worker PSS (MiB)", "{:.1f}"),
                Row("memory", p + "total_pss_mib", f"{what}, {n} workers: **total PSS** (MiB)", "{:.1f}",
                    fork_target="fork ≤ Gunicorn; preload ≤ Gunicorn --preload", fork_check=_fork_pss),
                Row("memory", p + "master_pss_anon_mib", f"{what}, {n} workers: master anonymous PSS (MiB)",
                    "{:.1f}"),
                Row("memory", p + "total_pss_anon_mib",
                    f"{what}, {n} workers: total anonymous PSS (MiB; no file pages)", "{:.1f}"),
                Row("memory", p + "loaded_worker_pss_mib",
                    f"{what}, {n} workers: per-worker PSS after {settings.memory_wrk_seconds:g} s of wrk (MiB)",
                    "{:.1f}"),
                Row("memory", p + "loaded_total_pss_mib",
                    f"{what}, {n} workers: total PSS after {settings.memory_wrk_seconds:g} s of wrk (MiB)", "{:.1f}",
                    fork_target="fork ≤ Gunicorn; preload ≤ Gunicorn --preload", fork_check=_fork_pss),
            ]
    return out


def rows(settings) -> list[Row]:
    T = settings.heartbeat_timeout
    imp = settings.import_delay
    n_many, n_tiny = settings.status_workers, settings.tiny_workers
    n_launch = settings.launch_workers
    return [
        Row("basic", "boot_first_200_s", "boot: launch → first 200 (s)", section="Boot, throughput, memory, idle"),
        Row("basic", "boot_all_serving_s", "boot: launch → both workers seen serving (s)", target="≤ Gunicorn",
            check=lambda v, m: m.get("gunicorn") is not None and v <= m["gunicorn"]),
        Row("basic", "boot_all_accepting_s", "boot: launch → both workers accepting (s)"),
        Row("basic", "rps", "req/s, wrk -t2 -c64 on / (access log off)", "{:.0f}", target="ratio ≥ 1.00",
            check=_ratio_ge(1.0), fork_target="ratio ≥ 1.00", fork_check=_fork_ge_gunicorn),
        Row("basic", "p50_ms", "p50 latency (ms)", "{:.2f}"),
        Row("basic", "p99_ms", "p99 latency (ms)", "{:.2f}"),
        Row("basic", "wrk_errors", "wrk socket errors", "{:g}"),
        Row("basic", "wrk_non2xx", "wrk non-2xx", "{:g}"),
        Row("basic", "req_per_cpu_s", "requests per server CPU-second", "{:.0f}", fork_target="ratio ≥ 1.00",
            fork_check=_fork_ge_gunicorn),
        Row("basic", "master_cpu_wrk_ms", "master CPU during the wrk run (ms, 10 ms ticks)", "{:.0f}"),
        Row("basic", "master_rss_mib", "master RSS (MiB)", "{:.1f}", target="≤ 8 MiB", check=_le(8.0)),
        Row("basic", "master_pss_mib", "master PSS (MiB)", "{:.1f}"),
        Row("basic", "worker_rss_mib", "per-worker RSS (MiB)", "{:.1f}"),
        Row("basic", "worker_pss_mib", "per-worker PSS (MiB)", "{:.1f}"),
        Row("basic", "total_rss_mib", "total RSS, master + workers + helpers (MiB)", "{:.1f}"),
        Row("basic", "helpers_pss_mib", "template / helpers PSS (MiB)", "{:.1f}"),
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
            check=_le(0), section="Reload under keep-alive load", fork_target="0", fork_check=_fork_zero),
        Row("reload", "reload_non2xx", "reload: wrk non-2xx", "{:g}", target="0", check=_le(0), fork_target="0",
            fork_check=_fork_zero),
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
        Row("crash", "crash_serving_s", "crash: replacement seen serving (s)", target="≤ 0.20 s", check=_le(0.20),
            fork_target="fork ≤ Gunicorn; preload ≤ 0.5× Gunicorn", fork_check=_fork_time),
        Row("crash", "crash_drover_respawn_ms", "crash: droverd's exit seen → respawn (ms)", "{:.1f}"),
        Row("crash", "crash_drover_boot_s", "crash: droverd's spawn → READY (s)"),

        Row("chaos", "chaos_longest_none_accepting_s",
            "chaos (kill -9 a random accepting worker every 0.2 s for 30 s, 2 workers, wrk c32): longest time with no worker accepting (s)",
            target="≤ 0.5 s (issue 17)", check=_le(0.5), section="Chaos: kill -9 a random worker every 200 ms"),
        Row("chaos", "chaos_none_accepting_s", "chaos: total time with no worker accepting (s)"),
        Row("chaos", "chaos_kills", "chaos: kills landed", "{:g}"),
        Row("chaos", "chaos_errors", "chaos: wrk socket errors (killed workers' connections)", "{:g}"),
        Row("chaos", "chaos_non2xx", "chaos: wrk non-2xx", "{:g}"),
        Row("chaos", "chaos_rps", "chaos: wrk req/s", "{:.0f}"),
        Row("chaos", "chaos_probe_failures", "chaos: fresh-connection probe failures", "{:g}"),
        Row("chaos", "chaos_probes", "chaos: fresh-connection probes", "{:g}"),
        Row("chaos_any", "chaos_any_longest_none_accepting_s",
            "chaos, any live worker (booting ones too): longest time with no worker accepting (s)", "{:.3f}"),
        Row("chaos_any", "chaos_any_none_accepting_s", "chaos, any worker: total time with no worker accepting (s)"),
        Row("chaos_any", "chaos_any_kills", "chaos, any worker: kills landed", "{:g}"),
        Row("chaos_any", "chaos_any_rps", "chaos, any worker: wrk req/s", "{:.0f}"),
        Row("chaos_any", "chaos_any_probe_failures", "chaos, any worker: fresh-connection probe failures", "{:g}"),
        Row("chaos_any", "chaos_any_probes", "chaos, any worker: fresh-connection probes", "{:g}"),

        Row("leak", "leak_errors",
            "leaking app (1 MiB per /leak, 15 MiB/s, 30 s; limit 96 MiB, 1 s samples, 2 in a row), wrk c16 on /pid: socket errors",
            "{:g}", target="0 (issue 17)", check=_le(0), section="A leaking app: memory recycling under load"),
        Row("leak", "leak_non2xx", "leak: wrk non-2xx", "{:g}"),
        Row("leak", "leak_probe_failures", "leak: fresh-connection probe failures", "{:g}"),
        Row("leak", "leak_request_failures", "leak: failed /leak requests", "{:g}"),
        Row("leak", "leak_recycles", "leak: workers replaced", "{:g}"),
        Row("leak", "leak_peak_rss_mib", "leak: highest worker RSS (MiB)", "{:.0f}"),
        Row("leak", "leak_peak_uss_mib", "leak: highest worker USS (MiB)", "{:.0f}"),
        Row("leak", "leak_longest_none_accepting_s", "leak: longest time with no worker accepting (s)"),
        Row("leak", "leak_rps", "leak: wrk req/s", "{:.0f}"),

        Row("scale", "scale_exists_s", "scale +1 (TTIN): new process exists (s)", section="Scale +1"),
        Row("scale", "scale_accepting_s", "scale +1: new worker accepting (s)"),
        Row("scale", "scale_serving_s", "scale +1: new worker seen serving (s)", target="≤ 0.20 s", check=_le(0.20),
            fork_target="fork ≤ Gunicorn; preload ≤ 0.5× Gunicorn", fork_check=_fork_time),
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
        Row("metrics6000", "metrics_library_scrape_ms",
            "6,000 dead-pid files: prometheus_client's MultiProcessCollector + generate_latest (ms)", "{:.1f}",
            section="The app's prometheus_client metrics after 1,500 dead workers (4 files each)"),
        Row("metrics6000", "metrics_drover_files", "droverd's directory after folding them: files", "{:g}"),
        Row("metrics6000", "metrics_drover_scrape_ms", "droverd's GET /metrics, its own and the app's (ms)", "{:.1f}",
            target="milliseconds", check=_le(50)),
        Row("metrics6000", "metrics_churn_s", "1,500 command workers recording a request and exiting (s)", "{:.1f}"),
        Row("ops", "ops_off_idle_wakeups", "droverd idle wake-ups, no ops listener (/ 10 s)", "{:.1f}",
            section="The ops listener (--ops-bind): its cost, off and on, alternating; a scrape of a big pool"),
        Row("ops", "ops_on_idle_wakeups", "droverd idle wake-ups, ops listener on (/ 10 s)", "{:.1f}",
            target="0", check=_le(0)),
        Row("ops", "ops_off_rps", "req/s, wrk -c64, no ops listener", "{:.0f}"),
        Row("ops", "ops_on_rps", "req/s, wrk -c64, /metrics scraped every second", "{:.0f}"),
        Row("ops", "ops_rps_ratio", "req/s on ÷ off", "{:.3f}", target="≥ 0.98", check=lambda v, _m: v >= 0.98),
        Row("ops", "ops_req_per_cpu_ratio", "requests per server CPU-second on ÷ off", "{:.3f}",
            target="≥ 0.98", check=lambda v, _m: v >= 0.98),
        Row("ops", "ops_on_scrape_under_load_ms", "GET /metrics under that load (ms, median)", "{:.1f}"),
        Row("ops", "ops_scrape_ms", f"GET /metrics with {n_many} workers (ms, median)", "{:.1f}",
            target="milliseconds", check=_le(50)),
        Row("ops", "ops_scrape_cpu_ms", f"droverd CPU per /metrics with {n_many} workers (ms)", "{:.2f}"),
        Row("ops", "ops_scrape_bytes", f"/metrics size with {n_many} workers (bytes)", "{:.0f}"),

        Row("launch64", "launch_first_accepting_s", f"launch {n_launch} workers: → first accepting (s)", "{:.2f}",
            section=f"Launch → {n_launch} workers accepting (example app)"),
        Row("launch64", "launch_half_accepting_s", f"launch → {n_launch // 2} accepting (s)", "{:.2f}"),
        Row("launch64", "launch_all_accepting_s", f"launch → all {n_launch} accepting (s)", "{:.2f}",
            fork_target="≤ Gunicorn", fork_check=_fork_le_gunicorn),
        Row("launch64", "launch_cpu_s", f"CPU of the live tree when all {n_launch} accept (s; reaped helpers not counted)",
            "{:.2f}"),
        *_memory_rows(settings),
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
    ran_servers = {server for _scenario, server in table}
    servers = [s for s in SERVER_ORDER if s in ran_servers]
    ratios = [r for r in RATIOS if r[0] in ran_servers and r[1] in ran_servers]
    forks = [s for s in FORK_SERVERS if s in ran_servers]
    lines = []
    section = None
    header = ("| metric | " + " | ".join(HEADERS[s] for s in servers) + " | " + "".join(r[2] + " | " for r in ratios)
              + ("Drover (exec) target | met | " if "drover" in ran_servers else "")
              + ("issue 15 target | met (" + " / ".join(f.removeprefix("drover-") for f in forks) + ") |" if forks else "")).rstrip()
    rule = "|---|" + "---|" * (header.count("|") - 2)
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
        for server in servers:
            text, med = _cell(row, table.get((row.scenario, server)))
            if text.startswith("n/a: "):  # the reason once per scenario
                text = "n/a" if (row.scenario, server) in explained else text
                explained.add((row.scenario, server))
            cells.append(text)
            medians[server] = med
        for num, den, _h in ratios:
            a, b = medians.get(num), medians.get(den)
            cells.append(f"{a / b:.2f}" if a is not None and b not in (None, 0) else "")
        if "drover" in ran_servers:
            d = medians.get("drover")
            met = ""
            if row.check:
                met = "—" if d is None else ("yes" if row.check(d, medians) else "**no**")
            cells += [row.target, met]
        if forks:
            met = ""
            if row.fork_check:
                met = " / ".join("—" if medians.get(f) is None else ("yes" if row.fork_check(f, medians) else "**no**")
                                 for f in forks)
            cells += [row.fork_target, met]
        lines.append(f"| {row.label} | " + " | ".join(cells) + " |")
    errors = [(k, c["errors"]) for k, c in table.items() if c["errors"]]
    if errors:
        lines += ["", "Runs that failed:"]
        lines += [f"- {scen} / {server}: {'; '.join(errs)}" for (scen, server), errs in errors]
    return "\n".join(lines) + "\n"
