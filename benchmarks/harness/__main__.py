"""benchmarks/run's Python side: run every scenario for every server, alternating servers,
`runs` times; write raw JSON, the table, and the logs under benchmarks/results/STAMP/."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from dataclasses import asdict
from pathlib import Path

from . import report
from .scenarios import SCENARIOS, Context, Settings
from .servers import BENCH_DIR, SERVERS, Paths


def versions(paths: Paths) -> dict:
    py = str(paths.venv_bin / "python")
    code = ("import importlib.metadata as m, sys, json; print(json.dumps({'python': sys.version.split()[0], "
            "**{n: m.version(n) for n in ['gunicorn','uvicorn','uvicorn-worker','starlette','uvloop','httptools',"
            "'anyio','h11','drover-worker']}}))")
    v = json.loads(subprocess.run([py, "-c", code], capture_output=True, text=True, check=True).stdout)
    v["droverd"] = subprocess.run([str(paths.droverd), "--version"], capture_output=True, text=True).stdout.strip()
    v["wrk"] = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    v["swift"] = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()[0] \
        if subprocess.run(["which", "swift"], capture_output=True).returncode == 0 else "?"
    repo = BENCH_DIR.parent
    v["git"] = subprocess.run(["git", "-C", str(repo), "describe", "--always", "--dirty"], capture_output=True,
                              text=True).stdout.strip()
    return v


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    mem = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    return {"cpu": cpu, "cores": os.cpu_count(), "mem_gib": round(mem / 1024 / 1024, 1),
            "kernel": platform.release(), "os": platform.freedesktop_os_release().get("PRETTY_NAME", "?")}


def main() -> int:
    ap = argparse.ArgumentParser(prog="benchmarks/run", description=__doc__)
    ap.add_argument("--quick", action="store_true", help="1 run, short durations (a smoke test)")
    ap.add_argument("--runs", type=int, help="repetitions (default 3; 1 with --quick)")
    ap.add_argument("--only", help="comma-separated scenarios: " + ",".join(SCENARIOS))
    ap.add_argument("--servers", default="gunicorn,uvicorn,drover", help="comma-separated: " + ",".join(SERVERS))
    ap.add_argument("--quiet-wait", type=float,
                    help="wait at most this long (s) before each test for the machine to calm down (default 30; 0 with --quick)")
    ap.add_argument("--venv-bin", required=True, type=Path)
    ap.add_argument("--droverd", required=True, type=Path)
    ap.add_argument("--droverctl", required=True, type=Path)
    ap.add_argument("--out", type=Path, help="results directory (default benchmarks/results/STAMP)")
    args = ap.parse_args()

    settings = Settings.quick() if args.quick else Settings()
    if args.runs:
        settings.runs = args.runs
    if args.quiet_wait is not None:
        settings.quiet_wait = args.quiet_wait
    paths = Paths(args.venv_bin, args.droverd, args.droverctl)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S") + ("-quick" if args.quick else "")
    out = args.out or BENCH_DIR / "results" / stamp
    out.mkdir(parents=True, exist_ok=True)
    servers = [SERVERS[name](paths) for name in args.servers.split(",")]
    scenarios = args.only.split(",") if args.only else list(SCENARIOS)
    ctx = Context(settings, paths, out)
    meta = {"started": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "settings": asdict(settings), "versions": versions(paths), "machine": machine(),
            "commands": {}, "argv": sys.argv[1:]}
    results: list[dict] = []
    t_start = time.perf_counter()

    def save() -> None:
        meta["elapsed_s"] = round(time.perf_counter() - t_start, 1)
        (out / "raw.json").write_text(json.dumps({"meta": meta, "results": results}, indent=1, default=str))
        (out / "table.md").write_text(report.render(results, settings))

    print(f"results in {out}", flush=True)
    try:
        for run in range(settings.runs):
            order = servers[run % len(servers):] + servers[:run % len(servers)]  # alternate who goes first
            for name in scenarios:
                for server in order:
                    entry = {"run": run + 1, "scenario": name, "server": server.name}
                    if name in server.cannot:
                        entry["na"] = server.cannot[name]
                        results.append(entry)
                        continue
                    entry["background_cores"] = ctx.wait_quiet()
                    entry["loadavg"] = open("/proc/loadavg").read().split()[0]
                    t0 = time.perf_counter()
                    try:
                        entry["metrics"] = SCENARIOS[name](ctx, server)
                    except Exception:
                        entry["error"] = traceback.format_exc()
                    finally:
                        for r in ctx.running:
                            meta["commands"].setdefault(f"{name}/{server.name}", " ".join(map(str, r.cmd)))
                        ctx.stop_all()
                    entry["seconds"] = round(time.perf_counter() - t0, 1)
                    results.append(entry)
                    status = "ERROR " + entry["error"].strip().splitlines()[-1] if "error" in entry else "ok"
                    print(f"run {run + 1}/{settings.runs} {name:<11} {server.name:<16} {entry['seconds']:5.1f} s "
                          f"(background {entry['background_cores']} cores) {status}", flush=True)
                    save()
    except KeyboardInterrupt:
        print("interrupted: stopping what is running", flush=True)
    finally:
        ctx.stop_all()
        save()
    print()
    print(report.render(results, settings))
    print(f"elapsed {time.perf_counter() - t_start:.0f} s; raw results and logs in {out}")
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
