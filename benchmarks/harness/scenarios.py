"""The measurements. Each scenario starts a fresh server, measures, stops it, and returns
{metric: value}. Times are perf_counter() differences in seconds unless the key says _ms."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from . import procfs
from .monitor import Monitor, wait_until
from .net import Prober, Wrk, free_port, get, run_wrk, wait_serving
from .servers import APP_DIR, Drover, Gunicorn, Options, Paths, Running, Server

MIB = 1024.0


@dataclass
class Settings:
    runs: int = 3
    wrk_seconds: float = 10.0        # throughput run
    warmup_seconds: float = 1.0
    idle_seconds: float = 10.0
    event_wrk_seconds: float = 10.0  # wrk c32 during reload / crash
    event_at: float = 3.0            # the reload / kill this far into it
    import_delay: float = 1.5
    heartbeat_timeout: float = 5.0
    status_workers: int = 64
    tiny_workers: int = 1000
    status_repeats: int = 20
    quiet_wait: float = 30.0         # wait at most this long for the machine to calm down
    settle_seconds: float = 1.0      # after boot, before memory and idle readings
    pause_seconds: float = 0.5       # after boot, before an event scenario starts its load
    never_margin: float = 2.0        # a blocked worker not killed by T + this counts as never
    launch_workers: int = 64
    memory_workers: tuple[int, ...] = (2, 8)
    memory_wrk_seconds: float = 3.0  # load between the two memory readings
    chaos_seconds: float = 30.0      # kill -9 a random worker every chaos_every s for this long
    leak_seconds: float = 30.0       # the leaking app under load, leak_rate MiB/s paced over the pool
    leak_rate: float = 15.0
    leak_limit_mib: int = 96
    chaos_every: float = 0.2
    metrics_dead_workers: int = 1500  # × 4 files each: the 6,000 dead-pid files of client_python#367

    @classmethod
    def quick(cls) -> Settings:
        return cls(runs=1, wrk_seconds=2, warmup_seconds=0, idle_seconds=1, event_wrk_seconds=3,
                   event_at=1.0, heartbeat_timeout=2, status_workers=8, tiny_workers=1000,
                   status_repeats=2, quiet_wait=0, settle_seconds=0.3, pause_seconds=0.2, never_margin=1,
                   launch_workers=16, memory_wrk_seconds=1.0, chaos_seconds=3.0, leak_seconds=5.0,
                   metrics_dead_workers=100)


class Context:
    def __init__(self, settings: Settings, paths: Paths, out_dir: Path) -> None:
        self.settings, self.paths, self.out_dir = settings, paths, out_dir
        self.logs = out_dir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.running: list[Running] = []
        self.machine = procfs.MachineCPU()

    def wait_quiet(self, threshold: float = 0.3) -> float | None:
        """Wait (at most quiet_wait s) until other work uses < threshold cores; returns the
        last reading (cores busy in 0.5 s with nothing of ours running)."""
        if not self.settings.quiet_wait:
            return None
        end = time.perf_counter() + self.settings.quiet_wait
        self.machine.cores_since_last()
        while True:
            time.sleep(0.5)
            busy = self.machine.cores_since_last()
            if busy < threshold or time.perf_counter() > end:
                return round(busy, 2)

    def start(self, server: Server, opts: Options) -> Running:
        rundir = Path(tempfile.mkdtemp(prefix=f"drover-bench-{server.name}-"))
        running = server.start(free_port(), rundir, opts, self.logs / f"{server.name}.log")
        self.running.append(running)
        return running

    def start_command(self, cmd: list[str], name: str, port: int, rundir: Path,
                      env: dict[str, str] | None = None) -> Running:
        logf = open(self.logs / f"{name}.log", "ab")
        logf.write(f"\n$ {' '.join(cmd)}\n".encode())
        logf.flush()
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT, cwd=rundir,
                                env={**os.environ, **env} if env else None)
        logf.close()
        running = Running(Drover(self.paths), proc, port, rundir, started, cmd)
        self.running.append(running)
        return running

    def stop_all(self) -> None:
        for r in self.running:
            r.stop(grace=5)
            shutil.rmtree(r.rundir, ignore_errors=True)
        self.running.clear()


def _wait_ready(run: Running, workers: int, timeout: float = 30.0) -> tuple[Monitor, float, float]:
    """Wait until `workers` workers answered /pid and accept. Returns the boot monitor (stopped),
    when the first 200 and when the last worker's first 200 came."""
    mon = Monitor(run, 0.01)
    mon.start()
    try:
        first, all_seen, _ = wait_serving(run.port, workers, timeout)
        if all_seen is None:
            raise RuntimeError(f"{run.server.name}: {workers} workers not serving after {timeout} s")
        if not wait_until(lambda: mon.samples and len(mon.samples[-1].accepting) >= workers, 10):
            raise RuntimeError(f"{run.server.name}: {workers} workers not accepting")
    finally:
        mon.stop()
    return mon, first, all_seen


def _wait_accepting(run: Running, n: int, interval: float, what: str = "") -> Monitor:
    """Samples the workers every `interval` s until `n` accept (at most 120 s; raises then).
    Returns the stopped monitor, its timeline from the start."""
    mon = Monitor(run, interval)
    mon.start()
    ok = wait_until(lambda: mon.samples and len(mon.samples[-1].accepting) >= n, 120, interval)
    mon.stop()
    if not ok:
        raise RuntimeError(f"{what}{n} workers not accepting after 120 s")
    return mon


class DroverEvents:
    """`droverctl events --json` in the background (Drover only): when each worker was spawned
    and became READY, as droverd saw it. Stopped by its pid."""

    def __init__(self, ctx: Context, run: Running) -> None:
        self.proc = None
        if isinstance(run.server, Drover):
            self.proc = subprocess.Popen([str(ctx.paths.droverctl), "--socket", str(run.rundir / "drover.sock"),
                                          "events", "--json"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                         text=True)
            time.sleep(0.1)  # subscribed before anything happens

    def stop(self) -> list[dict]:
        if self.proc is None:
            return []
        self.proc.terminate()
        out, _ = self.proc.communicate(timeout=5)
        events = []
        for line in out.splitlines():
            try:
                events.append(json.loads(line))
            except ValueError:
                pass
        return events

    @staticmethod
    def boot_times(events: list[dict]) -> dict:
        """Spawn → READY per new worker, and exit → respawn, from droverd's own clock."""
        boots = [e["boot_s"] for e in events if e.get("event") == "worker_ready" and "boot_s" in e]
        exited = [e["time"] for e in events if e.get("event") == "worker_exited"]
        spawned = [e["time"] for e in events if e.get("event") == "worker_spawned"]
        m = {}
        if boots:
            m["drover_boot_s"] = max(boots)
        if exited and spawned and any(t >= exited[0] for t in spawned):
            m["drover_respawn_ms"] = (min(t for t in spawned if t >= exited[0]) - exited[0]) * 1000
        return m


def _sleep_until(t: float) -> None:
    time.sleep(max(0.0, t - time.perf_counter()))


def _wrk_metrics(prefix: str, res) -> dict:
    return {f"{prefix}_errors": res.socket_errors, f"{prefix}_errors_detail": res.errors,
            f"{prefix}_non2xx": res.non2xx, f"{prefix}_max_ms": res.max_ms, f"{prefix}_rps": res.rps}


# --- boot, memory, idle, throughput ----------------------------------------------------------------

def basic(ctx: Context, server: Server) -> dict:
    s = ctx.settings
    run = ctx.start(server, Options(workers=2))
    mon, first_200, all_seen = _wait_ready(run, 2)
    m = {
        "boot_first_200_s": first_200 - run.started,
        "boot_all_serving_s": all_seen - run.started,
        "boot_all_accepting_s": mon.first(lambda x: len(x.accepting) >= 2) - run.started,
    }
    time.sleep(s.settle_seconds)  # let start-up settle

    tree = run.tree()
    workers = run.workers()
    mem = {pid: procfs.memory_kib(pid) for pid in tree}
    m["master_rss_mib"] = mem[run.master][0] / MIB
    m["master_pss_mib"] = mem[run.master][1] / MIB
    m["worker_rss_mib"] = statistics.mean(mem[p][0] for p in workers) / MIB
    m["worker_pss_mib"] = statistics.mean(mem[p][1] for p in workers) / MIB
    m["total_rss_mib"] = sum(v[0] for v in mem.values()) / MIB
    m["total_pss_mib"] = sum(v[1] for v in mem.values()) / MIB
    # Neither master nor worker: Drover's fork template, uvicorn's resource_tracker.
    m["helpers_pss_mib"] = sum(v[1] for p, v in mem.items() if p != run.master and p not in workers) / MIB
    m["processes"] = len(tree)

    before = procfs.thread_counters(run.master)
    workers_before = {p: procfs.thread_counters(p) for p in workers}
    time.sleep(s.idle_seconds)
    d = procfs.counters_delta(before, procfs.thread_counters(run.master))
    scale = 10.0 / s.idle_seconds  # per 10 s
    m["idle_wakeups"] = d["runs"] * scale
    m["idle_voluntary"] = d["voluntary"] * scale
    m["idle_involuntary"] = d["involuntary"] * scale
    m["idle_cpu_ms"] = d["cpu_ns"] / 1e6 * scale
    m["master_threads"] = d["threads"]
    wd = [procfs.counters_delta(b, procfs.thread_counters(p)) for p, b in workers_before.items()]
    m["idle_worker_cpu_ms"] = statistics.mean(x["cpu_ns"] for x in wd) / 1e6 * scale
    m["idle_worker_wakeups"] = statistics.mean(x["runs"] for x in wd) * scale

    if s.warmup_seconds:
        run_wrk(run.port, 64, s.warmup_seconds)
    tree = run.tree()
    cpu0, master0 = procfs.cpu_seconds(tree), procfs.cpu_seconds([run.master])
    res = run_wrk(run.port, 64, s.wrk_seconds)
    cpu1, master1 = procfs.cpu_seconds(tree), procfs.cpu_seconds([run.master])
    m.update({"rps": res.rps, "p50_ms": res.p50_ms, "p99_ms": res.p99_ms, "wrk_errors": res.socket_errors,
              "wrk_non2xx": res.non2xx, "req_per_cpu_s": res.requests / (cpu1 - cpu0) if cpu1 > cpu0 else None,
              "master_cpu_wrk_ms": (master1 - master0) * 1000})
    run.stop()
    return m


# --- reload under keep-alive load ------------------------------------------------------------------

def _reload(ctx: Context, server: Server, import_delay: float, prefix: str) -> dict:
    s = ctx.settings
    run = ctx.start(server, Options(workers=2, import_delay=import_delay))
    _wait_ready(run, 2, timeout=30 + 2 * import_delay)
    time.sleep(ctx.settings.pause_seconds)
    events = DroverEvents(ctx, run)
    mon, prober = Monitor(run, 0.01), Prober(run.port, interval=0.02, timeout=2.0)
    mon.start()
    prober.start()
    wrk = Wrk(run.port, 32, s.event_wrk_seconds)
    _sleep_until(wrk.started + s.event_at)
    old = frozenset(run.workers())
    t_hup = time.perf_counter()
    run.signal(signal.SIGHUP)
    res = wrk.result()

    def handed_over(x) -> bool:
        return len(x.accepting - old) >= 2 and not (x.accepting & old)

    wait_until(lambda: mon.samples and handed_over(mon.samples[-1]) and not (mon.samples[-1].workers & old), 20)
    probes = prober.stop()
    mon.stop()
    end = mon.samples[-1].t
    total = mon.first(handed_over, after=t_hup)
    exited = mon.first(lambda x: not (x.workers & old), after=t_hup)
    m = _wrk_metrics(prefix, res)
    m.update({
        f"{prefix}_probe_failures": sum(p.outcome != "ok" for p in probes),
        f"{prefix}_probes": len(probes),
        f"{prefix}_total_s": total - t_hup if total else None,
        f"{prefix}_old_exited_s": exited - t_hup if exited else None,
        f"{prefix}_none_accepting_s": mon.time_with_none_accepting(t_hup, end),
        f"{prefix}_new_workers": len(mon.new_workers(old)),
    })
    m.update({f"{prefix}_{k}": v for k, v in DroverEvents.boot_times(events.stop()).items()})
    run.stop()
    return m


def reload(ctx: Context, server: Server) -> dict:
    return _reload(ctx, server, 0.0, "reload")


def reload_slow(ctx: Context, server: Server) -> dict:
    return _reload(ctx, server, ctx.settings.import_delay, "rslow")


# --- kill -9 a worker under load -------------------------------------------------------------------

def crash(ctx: Context, server: Server) -> dict:
    s = ctx.settings
    run = ctx.start(server, Options(workers=2))
    _wait_ready(run, 2)
    time.sleep(ctx.settings.pause_seconds)
    events = DroverEvents(ctx, run)
    mon, prober = Monitor(run, 0.01), Prober(run.port, interval=0.01, timeout=2.0, parallel=2)
    mon.start()
    prober.start()
    wrk = Wrk(run.port, 32, s.event_wrk_seconds)
    _sleep_until(wrk.started + s.event_at)
    old = frozenset(run.workers())
    victim = min(old)
    t_kill = time.perf_counter()
    os.kill(victim, signal.SIGKILL)
    res = wrk.result()
    wait_until(lambda: mon.samples and len(mon.samples[-1].accepting - {victim}) >= 2, 10)
    probes = prober.stop()
    mon.stop()
    exists = mon.first(lambda x: bool(x.workers - old), after=t_kill)
    accepting = mon.first(lambda x: bool(x.accepting - old), after=t_kill)
    serving = next((p.done for p in probes if p.sent >= t_kill and p.outcome == "ok" and p.pid not in old), None)
    m = _wrk_metrics("crash", res)
    m.update({
        "crash_probe_failures": sum(p.outcome != "ok" for p in probes),
        "crash_exists_s": exists - t_kill if exists else None,
        "crash_accepting_s": accepting - t_kill if accepting else None,
        "crash_serving_s": serving - t_kill if serving else None,
    })
    m.update({f"crash_{k}": v for k, v in DroverEvents.boot_times(events.stop()).items()})
    run.stop()
    return m


def _end_of_load(prefix: str, wrk: Wrk, prober: Prober, mon: Monitor) -> dict:
    """Waits for wrk, stops the prober and the monitor: wrk's metrics and the probes', under `prefix`."""
    res = wrk.result()
    probes = prober.stop()
    mon.stop()
    m = _wrk_metrics(prefix, res)
    m.update({f"{prefix}_probe_failures": sum(p.outcome != "ok" for p in probes), f"{prefix}_probes": len(probes)})
    return m


# --- chaos: kill -9 a random worker every 200 ms under load ---------------------------------------

def _chaos(ctx: Context, server: Server, prefix: str, any_worker: bool) -> dict:
    s = ctx.settings
    run = ctx.start(server, Options(workers=2))
    _wait_ready(run, 2)
    time.sleep(s.pause_seconds)
    mon, prober = Monitor(run, 0.01), Prober(run.port, interval=0.01, timeout=2.0, parallel=2)
    mon.start()
    prober.start()
    wrk = Wrk(run.port, 32, s.chaos_seconds + 1)
    _sleep_until(wrk.started + 0.5)
    rng = random.Random(17)
    start, kills = time.perf_counter(), 0
    while time.perf_counter() - start < s.chaos_seconds:
        if any_worker:
            victims = run.workers()  # booting ones too
        else:
            victims = sorted(mon.samples[-1].accepting) if mon.samples else []
        if victims:
            try:
                os.kill(rng.choice(victims), signal.SIGKILL)
                kills += 1
            except ProcessLookupError:
                pass
        time.sleep(s.chaos_every)
    end = time.perf_counter()
    m = _end_of_load(prefix, wrk, prober, mon)
    m.update({
        f"{prefix}_kills": kills,
        f"{prefix}_longest_none_accepting_s": mon.longest_none_accepting(start, end),
        f"{prefix}_none_accepting_s": mon.time_with_none_accepting(start, end),
    })
    run.stop()
    return m


def chaos(ctx: Context, server: Server) -> dict:
    """Issue 17's availability floor: 2 workers under wrk -c32 and a fresh-connection prober, a
    random ready (accepting) worker killed every `chaos_every` s for `chaos_seconds`, as an operator or
    the OOM killer would pick one that served. The longest stretch with no worker accepting is the
    number that matters (a pool whose slots all sit in backoff is down)."""
    return _chaos(ctx, server, "chaos", any_worker=False)


def chaos_any(ctx: Context, server: Server) -> dict:
    """The same, but the victim is any live worker, booting ones too (a chaos tool that picks
    processes, not servers)."""
    return _chaos(ctx, server, "chaos_any", any_worker=True)


# --- a leaking app: memory recycling under load --------------------------------------------------

def leak(ctx: Context, server: Server) -> dict:
    """Issue 17's side by side: the app keeps 1 MiB per GET /leak, paced at `leak_rate` MiB/s, while wrk
    -c16 and a fresh-connection prober hit /pid; per-worker memory recycling at `leak_limit_mib` where
    the server has it (Granian: RSS, Drover: USS; both sampled every 1 s, 2 samples in a row; Gunicorn
    has none: its workers grow). What counts: failed requests while workers are recycled, and how far
    over the limit a worker got."""
    s = ctx.settings
    run = ctx.start(server, Options(workers=2, app="leaky:app", memory_limit_mib=s.leak_limit_mib))
    _wait_ready(run, 2)
    time.sleep(s.pause_seconds)
    first = frozenset(run.workers())
    mon, prober = Monitor(run, 0.01), Prober(run.port, interval=0.01, timeout=2.0, parallel=1)
    mon.start()
    prober.start()
    wrk = Wrk(run.port, 16, s.leak_seconds, path="/pid")
    start = time.perf_counter()
    attempts = leaked = leak_failures = 0
    peak_rss = peak_uss = 0
    while time.perf_counter() - start < s.leak_seconds:
        attempts += 1
        probe = get(run.port, "/leak", timeout=5.0)
        if probe.outcome == "ok":
            leaked += 1
        else:
            leak_failures += 1
        for pid in run.workers():
            peak_rss = max(peak_rss, procfs.memory_kib(pid)[0])
            peak_uss = max(peak_uss, procfs.unique_kib(pid))
        _sleep_until(start + attempts / s.leak_rate)
    end = time.perf_counter()
    m = _end_of_load("leak", wrk, prober, mon)
    m.update({
        "leak_mib": leaked,
        "leak_request_failures": leak_failures,
        "leak_recycles": len(set(mon.new_workers(first))),
        "leak_peak_rss_mib": peak_rss / 1024,
        "leak_peak_uss_mib": peak_uss / 1024,
        "leak_longest_none_accepting_s": mon.longest_none_accepting(start, end),
    })
    run.stop()
    return m


# --- scale +1 --------------------------------------------------------------------------------------

def scale(ctx: Context, server: Server) -> dict:
    run = ctx.start(server, Options(workers=2))
    _wait_ready(run, 2)
    time.sleep(ctx.settings.pause_seconds)
    events = DroverEvents(ctx, run)
    mon, prober = Monitor(run, 0.01), Prober(run.port, interval=0.01, timeout=2.0, parallel=4)
    mon.start()
    prober.start()
    time.sleep(0.1)
    old = frozenset(run.workers())
    t0 = time.perf_counter()
    run.signal(signal.SIGTTIN)
    wait_until(lambda: mon.samples and len(mon.samples[-1].accepting) >= 3, 10)
    end_probe = time.perf_counter() + 2
    wait_until(lambda: any(p.pid not in old and p.outcome == "ok" for p in list(prober.probes)), 2)
    _sleep_until(min(end_probe, time.perf_counter() + 0.05))
    probes = prober.stop()
    mon.stop()
    exists = mon.first(lambda x: bool(x.workers - old), after=t0)
    accepting = mon.first(lambda x: bool(x.accepting - old), after=t0)
    serving = next((p.done for p in probes if p.sent >= t0 and p.outcome == "ok" and p.pid not in old), None)
    boot = DroverEvents.boot_times(events.stop())
    run.stop()
    return {
        "scale_exists_s": exists - t0 if exists else None,
        "scale_accepting_s": accepting - t0 if accepting else None,
        "scale_serving_s": serving - t0 if serving else None,
        **{f"scale_{k}": v for k, v in boot.items()},
    }


# --- heartbeat timeout on a blocked event loop -----------------------------------------------------

def heartbeat(ctx: Context, server: Server) -> dict:
    T = ctx.settings.heartbeat_timeout
    run = ctx.start(server, Options(workers=2, timeout=T))
    _wait_ready(run, 2)
    time.sleep(1.0)  # gunicorn only enforces the timeout after a worker's first heartbeat
    old = frozenset(run.workers())
    mon = Monitor(run, 0.01)
    mon.start()
    outcome: list = []
    blocker = threading.Thread(target=lambda: outcome.append(get(run.port, f"/block?s={T + 3:g}", timeout=T + 5)))
    t0 = time.perf_counter()
    blocker.start()
    cap = T + ctx.settings.never_margin
    wait_until(lambda: mon.samples and len(mon.samples[-1].workers & old) < len(old), cap)
    killed = mon.first(lambda x: len(x.workers & old) < len(old), after=t0)
    if killed:
        wait_until(lambda: mon.samples and len(mon.samples[-1].accepting) >= 2 and
                   bool(mon.samples[-1].accepting - old), 5)
    mon.stop()
    replaced = mon.first(lambda x: bool(x.accepting - old), after=t0)
    blocker.join(T + 7)
    run.stop()
    return {
        "hb_kill_s": killed - t0 if killed else None,
        "hb_not_killed_within_s": None if killed else cap,
        "hb_replacement_accepting_s": replaced - t0 if replaced else None,
        "hb_blocked_request": outcome[0].outcome if outcome else "no answer",
    }


# --- graceful stop with requests in flight ---------------------------------------------------------

def graceful_stop(ctx: Context, server: Server) -> dict:
    run = ctx.start(server, Options(workers=2))
    _wait_ready(run, 2)
    time.sleep(0.3)
    slow = []
    lock = threading.Lock()

    def one() -> None:
        p = get(run.port, "/slow?s=2", timeout=10)
        with lock:
            slow.append(p)

    threads = [threading.Thread(target=one) for _ in range(20)]
    for t in threads:
        t.start()
    time.sleep(ctx.settings.pause_seconds)
    t_term = time.perf_counter()
    run.signal(signal.SIGTERM)
    probes = []
    while time.perf_counter() - t_term < 8:
        probes.append(get(run.port, "/", timeout=0.3))
        if run.proc.poll() is not None:
            break
        time.sleep(0.02)
    for t in threads:
        t.join(12)
    try:
        run.proc.wait(timeout=10)
        exit_s = time.perf_counter() - t_term
    except subprocess.TimeoutExpired:
        exit_s = None
    run.stop()
    # Refused from: the first probe of the last unbroken run of refusals.
    refused_from = None
    for p in probes:
        if p.outcome == "refused":
            refused_from = refused_from if refused_from is not None else p.sent - t_term
        else:
            refused_from = None
    exit_seen = probes[-1].done - t_term if probes else None
    return {
        "stop_completed": sum(p.outcome == "ok" for p in slow),
        "stop_failed": 20 - sum(p.outcome == "ok" for p in slow),
        "stop_refused_from_s": refused_from,
        "stop_new_served": sum(p.outcome == "ok" for p in probes),
        "stop_new_hung_or_reset": sum(p.outcome in ("timeout", "reset") for p in probes),
        "stop_exit_s": exit_s if exit_s is not None else exit_seen,
        "_stop_probe_timeline": [(round(p.sent - t_term, 3), p.outcome) for p in probes],
    }


# --- control: status with many workers; 1000 tiny command workers ---------------------------------

def _time_command(cmd: list[str], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=10)
        times.append((time.perf_counter() - t) * 1000)
    return times


def _status_commands(ctx: Context, server: Server, run: Running) -> dict[str, list[str]]:
    if isinstance(server, Gunicorn):
        ctl = [str(ctx.paths.venv_bin / "gunicornc"), "-s", str(run.rundir / "gunicorn.ctl")]
        return {"status": ctl + ["-c", "show workers"], "status_json": ctl + ["-c", "show workers", "-j"]}
    ctl = [str(ctx.paths.droverctl), "--socket", str(run.rundir / "drover.sock")]
    return {"status": ctl + ["status"], "status_json": ctl + ["status", "--json"]}


def status(ctx: Context, server: Server) -> dict:
    s = ctx.settings
    n = s.status_workers
    run = ctx.start(server, Options(workers=n))
    mon = _wait_accepting(run, n, 0.1)
    boot = mon.first(lambda x: len(x.accepting) >= n) - run.started
    time.sleep(1.0)
    cmds = _status_commands(ctx, server, run)
    out = subprocess.run(cmds["status_json"], capture_output=True, text=True, timeout=10).stdout
    m = {"many_boot_s": boot, "many_workers": n, "status_ms": statistics.median(_time_command(cmds["status"], s.status_repeats)),
         "status_json_ms": statistics.median(_time_command(cmds["status_json"], s.status_repeats)),
         "status_reply_bytes": len(out)}
    m["master_rss_many_mib"] = procfs.memory_kib(run.master)[0] / MIB
    run.stop()
    return m


def spawn_tiny(ctx: Context, server: Server) -> dict:
    s = ctx.settings
    n = s.tiny_workers
    assert isinstance(server, Drover)
    rundir = Path(tempfile.mkdtemp(prefix="drover-bench-tiny-"))
    port = free_port()
    run = ctx.start_command(server.command_pool(port, rundir, n, ["sleep", "3600"]), "drover-tiny", port, rundir)
    ok = wait_until(lambda: len(procfs.children(run.master)) >= n, 60, 0.01)
    spawned = time.perf_counter() - run.started if ok else None
    ctl = [str(ctx.paths.droverctl), "--socket", str(rundir / "drover.sock")]

    def ready() -> int:
        try:
            out = subprocess.run(ctl + ["status", "--json"], capture_output=True, text=True, timeout=10).stdout
            return sum(p.get("ready", 0) for p in json.loads(out)["result"]["pools"])
        except (ValueError, KeyError, subprocess.TimeoutExpired):
            return 0

    ok_ready = wait_until(lambda: ready() >= n, 60, 0.05)
    ready_s = time.perf_counter() - run.started if ok_ready else None
    run.tree()
    time.sleep(1.0)
    m = {"tiny_workers": n, "tiny_spawn_all_s": spawned, "tiny_ready_seen_s": ready_s,
         "tiny_status_ms": statistics.median(_time_command(ctl + ["status"], s.status_repeats)),
         "tiny_status_json_ms": statistics.median(_time_command(ctl + ["status", "--json"], s.status_repeats)),
         "tiny_master_rss_mib": procfs.memory_kib(run.master)[0] / MIB}
    before = procfs.thread_counters(run.master)
    time.sleep(2.0)
    m["tiny_idle_cpu_ms_per_10s"] = procfs.counters_delta(before, procfs.thread_counters(run.master))["cpu_ns"] / 1e6 * 5
    m["tiny_stop_s"] = run.stop(grace=30)
    return m


# --- launch → 64 workers accepting -----------------------------------------------------------------

def launch64(ctx: Context, server: Server) -> dict:
    """From Popen of the master to all N workers of the small app accepting (epoll on the
    listening socket, sampled every 50 ms: reading 64 workers' fds costs CPU too)."""
    n = ctx.settings.launch_workers
    run = ctx.start(server, Options(workers=n))
    mon = _wait_accepting(run, n, 0.05)
    m = {"launch_workers": n,
         "launch_first_accepting_s": mon.first(lambda x: bool(x.accepting)) - run.started,
         "launch_half_accepting_s": mon.first(lambda x: len(x.accepting) >= n // 2) - run.started,
         "launch_all_accepting_s": mon.first(lambda x: len(x.accepting) >= n) - run.started,
         "launch_cpu_s": procfs.cpu_seconds(run.tree())}
    first = get(run.port, "/pid", timeout=2.0)
    m["launch_serves"] = first.outcome == "ok"
    run.stop(grace=30)
    return m


# --- memory: PSS at 2 and 8 workers, small and big app ---------------------------------------------

def _memory(run: Running) -> dict:
    tree = run.tree()
    workers = run.workers()
    mem = {pid: procfs.memory_kib(pid) for pid in tree}
    return {
        "master_pss_mib": mem[run.master][1] / MIB,
        "helpers_pss_mib": sum(v[1] for p, v in mem.items() if p != run.master and p not in workers) / MIB,
        "worker_pss_mib": statistics.mean(mem[p][1] for p in workers) / MIB,
        "worker_rss_mib": statistics.mean(mem[p][0] for p in workers) / MIB,
        "total_pss_mib": sum(v[1] for v in mem.values()) / MIB,
        "master_pss_anon_mib": procfs.anon_pss_kib(run.master) / MIB,
        "total_pss_anon_mib": sum(procfs.anon_pss_kib(p) for p in tree) / MIB,
        "workers": len(workers),
        "processes": len(tree),
    }


def memory(ctx: Context, server: Server) -> dict:
    """For each app (main: the example app; big: + ~50 MiB of objects built at import) and
    worker count: launch → all accepting, PSS from smaps_rollup settle_seconds after, and again
    after memory_wrk_seconds of wrk -c32 on / (what serving unshares)."""
    s = ctx.settings
    m: dict = {}
    for app in ("main", "big"):
        for n in s.memory_workers:
            prefix = f"mem_{app}{n}_"
            run = ctx.start(server, Options(workers=n, app=f"{app}:app"))
            mon = _wait_accepting(run, n, 0.02, what=f"{app}:app, ")
            m[prefix + "boot_s"] = mon.first(lambda x: len(x.accepting) >= n) - run.started
            time.sleep(s.settle_seconds)
            m.update({prefix + k: v for k, v in _memory(run).items()})
            if s.memory_wrk_seconds:
                res = run_wrk(run.port, 32, s.memory_wrk_seconds)
                time.sleep(0.5)
                after = _memory(run)
                m[prefix + "loaded_worker_pss_mib"] = after["worker_pss_mib"]
                m[prefix + "loaded_total_pss_mib"] = after["total_pss_mib"]
                m[prefix + "wrk_errors"] = res.socket_errors + res.non2xx
            run.stop()  # stop_all() later only removes its run directory
    return m


# --- metrics6000: an app's multiprocess metrics after 1,500 dead workers ------------------------------

def _app_requests(port: int) -> float:
    probe = get(port, "/metrics", timeout=5.0)
    for line in probe.body.splitlines():
        if line.startswith('app_requests_total{path="/"} '):
            return float(line.split()[1])
    return 0.0


def metrics6000(ctx: Context, server: Server) -> dict:
    """Scrape time of an instrumented app's prometheus_client metrics once metrics_dead_workers
    workers have died, 4 files each (6,000): droverd's /metrics over the directory as droverd leaves
    it (each dead worker's files folded into archives as it was reaped: real command workers that
    record one request and exit), against the library's own MultiProcessCollector + generate_latest
    over the same history unfolded (a Gunicorn app's /metrics, even with the usual child_exit)."""
    s = ctx.settings
    assert isinstance(server, Drover)
    dead = s.metrics_dead_workers
    python, script = str(ctx.paths.venv_bin / "python"), str(APP_DIR / "metrics_files.py")
    rundir = Path(tempfile.mkdtemp(prefix="drover-bench-metrics-"))
    library = rundir / "library"
    library.mkdir()
    subprocess.run([python, script, "write", str(library), str(dead)], check=True)
    ms, size = subprocess.run([python, script, "scrape", str(library), str(s.status_repeats)], check=True,
                              capture_output=True, text=True).stdout.split()
    m = {"metrics_dead_workers": dead, "metrics_library_files": len(list(library.glob("*.db"))),
         "metrics_library_scrape_ms": float(ms), "metrics_library_bytes": int(size)}
    shutil.rmtree(library)

    directory, stop, port, ops = rundir / "multiproc", rundir / "stop", free_port(), free_port()
    cmd = server.command_pool(port, rundir, 4, [python, script, "worker"])
    cmd[cmd.index("--"):cmd.index("--")] = ["--ops-bind", f"127.0.0.1:{ops}"]
    run = ctx.start_command(cmd, "drover-metrics", port, rundir,
                            env={"PROMETHEUS_MULTIPROC_DIR": str(directory), "STOP_FILE": str(stop)})
    if not wait_until(lambda: _app_requests(ops) >= dead, 600, 0.2):
        raise RuntimeError(f"{dead} workers did not die within 600 s")
    m["metrics_churn_s"] = time.perf_counter() - run.started
    stop.touch()  # the next workers stay: 4 live ones, their 4 files each, and the archives
    if not wait_until(lambda: len(list(directory.glob("*.db"))) <= 4 * 4 + 3, 60, 0.1):
        raise RuntimeError(f"{directory} still holds {len(list(directory.glob('*.db')))} files")
    time.sleep(0.5)
    m["metrics_drover_files"] = len(list(directory.glob("*.db")))
    times = []
    for _ in range(s.status_repeats):
        probe = get(ops, "/metrics", timeout=5.0)
        times.append((probe.done - probe.sent) * 1000)
    m["metrics_drover_scrape_ms"] = statistics.median(times)
    m["metrics_drover_counted"] = _app_requests(ops)
    run.stop(grace=10)
    return m


# --- the ops listener: its cost, and a scrape of a big pool ------------------------------------------

def _idle(pid: int, seconds: float) -> dict:
    before = procfs.thread_counters(pid)
    time.sleep(seconds)
    d = procfs.counters_delta(before, procfs.thread_counters(pid))
    scale = 10.0 / seconds  # per 10 s
    return {"wakeups": d["runs"] * scale, "cpu_ms": d["cpu_ns"] / 1e6 * scale}


def ops(ctx: Context, server: Server) -> dict:
    """droverd with and without its ops listener (Drover only), each a fresh server, alternating
    off, on, off, on: droverd's idle wake-ups; req/s and requests per server CPU-second of wrk -c64
    while (on) a scraper GETs /metrics every second, as a Prometheus with a 1 s interval would (the
    workers' request counts are on the heartbeat page either way: Uvicorn keeps them, the launcher
    copies them at each beat). Then /metrics with status_workers workers: median scrape time, size,
    and droverd's CPU per scrape."""
    s = ctx.settings
    assert isinstance(server, Drover)
    seen: dict[str, dict[str, list[float]]] = {"off": {}, "on": {}}
    for turn in ("off", "on", "off", "on"):
        ops_port = free_port()
        args = ["--ops-bind", f"127.0.0.1:{ops_port}"] if turn == "on" else []
        run = ctx.start(server, Options(workers=2, drover_args=args))
        _wait_ready(run, 2)
        time.sleep(s.settle_seconds)
        idle = _idle(run.master, s.idle_seconds)
        scraper = Prober(ops_port, interval=1.0, timeout=5.0, path="/metrics") if turn == "on" else None
        if s.warmup_seconds:
            run_wrk(run.port, 64, s.warmup_seconds)
        tree = run.tree()
        cpu0, master0 = procfs.cpu_seconds(tree), procfs.cpu_seconds([run.master])
        if scraper:
            scraper.start()
        res = run_wrk(run.port, 64, s.wrk_seconds)
        cpu1, master1 = procfs.cpu_seconds(tree), procfs.cpu_seconds([run.master])
        if scraper:
            scraper.stop()
            ok = [p for p in scraper.probes if p.outcome == "ok"]
            seen[turn].setdefault("scrapes_ok", []).append(len(ok))
            seen[turn].setdefault("scrapes_failed", []).append(len(scraper.probes) - len(ok))
            if ok:
                seen[turn].setdefault("scrape_under_load_ms", []).append(
                    statistics.median((p.done - p.sent) * 1000 for p in ok))
        for key, value in (("idle_wakeups", idle["wakeups"]), ("idle_cpu_ms", idle["cpu_ms"]), ("rps", res.rps),
                           ("req_per_cpu_s", res.requests / (cpu1 - cpu0) if cpu1 > cpu0 else 0.0),
                           ("master_cpu_wrk_ms", (master1 - master0) * 1000),
                           ("wrk_errors", res.socket_errors + res.non2xx)):
            seen[turn].setdefault(key, []).append(value)
        run.stop()
    m: dict = {}
    for turn, values in seen.items():
        for key, vs in values.items():
            m[f"ops_{turn}_{key}"] = statistics.mean(vs)
    m["ops_rps_ratio"] = m["ops_on_rps"] / m["ops_off_rps"] if m["ops_off_rps"] else None
    m["ops_req_per_cpu_ratio"] = (m["ops_on_req_per_cpu_s"] / m["ops_off_req_per_cpu_s"]
                                  if m["ops_off_req_per_cpu_s"] else None)

    n, ops_port = s.status_workers, free_port()
    run = ctx.start(server, Options(workers=n, drover_args=["--ops-bind", f"127.0.0.1:{ops_port}"]))
    _wait_accepting(run, n, 0.05)
    time.sleep(s.settle_seconds)
    get(ops_port, "/metrics", timeout=5.0)  # the first scrape builds the per-worker series
    times, size = [], 0
    master0 = procfs.cpu_seconds([run.master])
    for _ in range(s.status_repeats):
        probe = get(ops_port, "/metrics", timeout=5.0)
        if probe.outcome != "ok":
            raise RuntimeError(f"/metrics with {n} workers: {probe.outcome}")
        times.append((probe.done - probe.sent) * 1000)
        size = len(probe.body)
    master1 = procfs.cpu_seconds([run.master])
    m.update({"ops_scrape_workers": n, "ops_scrape_ms": statistics.median(times), "ops_scrape_max_ms": max(times),
              "ops_scrape_bytes": size, "ops_scrape_cpu_ms": (master1 - master0) * 1000 / s.status_repeats})
    run.stop(grace=30)
    return m


SCENARIOS = {
    "basic": basic,
    "reload": reload,
    "reload_slow": reload_slow,
    "crash": crash,
    "scale": scale,
    "heartbeat": heartbeat,
    "stop": graceful_stop,
    "status": status,
    "spawn1000": spawn_tiny,
    "launch64": launch64,
    "memory": memory,
    "chaos": chaos,
    "chaos_any": chaos_any,
    "leak": leak,
    "metrics6000": metrics6000,
    "ops": ops,
}
