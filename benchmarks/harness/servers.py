"""The servers under test, each started the way its users start it, on the same app with the same
worker count, on 127.0.0.1, access log off. Every process is stopped by its pid.

Gunicorn and uvicorn as they start by default; Gunicorn with --preload; Drover with --spawn exec
(each worker a fresh exec), --spawn fork (its default: a template per pool generation forks the
workers) and --preload (the template imports the app too)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from . import procfs

TEMPLATE_COMM = "drover-template"
BENCH_DIR = Path(__file__).resolve().parent.parent
APP_DIR = BENCH_DIR / "app"


@dataclass
class Paths:
    venv_bin: Path
    droverd: Path
    droverctl: Path


@dataclass
class Options:
    workers: int = 2
    timeout: float | None = None       # heartbeat timeout; None = the server's default
    import_delay: float = 0.0          # seconds the app sleeps at import
    app: str = "main:app"              # main:app, or big:app (~50 MiB of objects built at import)
    extra_env: dict[str, str] | None = None
    memory_limit_mib: int | None = None  # per-worker memory recycling, where the server has it
    drover_args: list[str] | None = None  # more droverd flags (Drover only), e.g. --ops-bind


class Server:
    """One server kind. `command()` builds its command line; `start()` runs it."""

    name = ""
    label = ""
    # Why a server cannot do a scenario (absent = it can).
    cannot: dict[str, str] = {}

    def __init__(self, paths: Paths) -> None:
        self.paths = paths

    def command(self, port: int, rundir: Path, opts: Options) -> list[str]:
        raise NotImplementedError

    def is_worker(self, pid: int) -> bool:
        return True

    def start(self, port: int, rundir: Path, opts: Options, log: Path) -> Running:
        env = dict(os.environ)
        env["PATH"] = f"{self.paths.venv_bin}:{env['PATH']}"
        env.pop("WEB_CONCURRENCY", None)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["IMPORT_DELAY_S"] = str(opts.import_delay)
        env.update(opts.extra_env or {})
        cmd = self.command(port, rundir, opts)
        logf = open(log, "ab")
        logf.write(f"\n$ {' '.join(cmd)}\n".encode())
        logf.flush()
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=APP_DIR, env=env, stdin=subprocess.DEVNULL, stdout=logf,
                                stderr=subprocess.STDOUT)
        logf.close()
        return Running(self, proc, port, rundir, started, cmd)


class Gunicorn(Server):
    name, label = "gunicorn", "Gunicorn + UvicornWorker"
    cannot = {"spawn1000": "no command workers", "metrics6000": "the library's own collector: in Drover's row",
              "ops": "no ops listener: Drover's is measured on and off"}
    extra: list[str] = []

    def command(self, port: int, rundir: Path, opts: Options) -> list[str]:
        cmd = [str(self.paths.venv_bin / "gunicorn"), "-k", "uvicorn_worker.UvicornWorker",
               "-w", str(opts.workers), "-b", f"127.0.0.1:{port}",
               "--control-socket", str(rundir / "gunicorn.ctl"), *self.extra, opts.app]
        if opts.timeout is not None:
            cmd += ["--timeout", f"{opts.timeout:g}"]
        return cmd


class Granian(Server):
    name, label = "granian", "Granian --interface asgi"
    cannot = {"status": "no control interface", "spawn1000": "no command workers",
              "reload": "its reload is not graceful", "reload_slow": "its reload is not graceful",
              "metrics6000": "the library's own collector: in Drover's row",
              "ops": "no ops listener: Drover's is measured on and off"}

    def command(self, port: int, rundir: Path, opts: Options) -> list[str]:
        cmd = [str(self.paths.venv_bin / "granian"), "--interface", "asgi", "--workers", str(opts.workers),
               "--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
        if opts.memory_limit_mib:  # RSS, sampled every second, two samples in a row: as Drover's below
            cmd += ["--workers-max-rss", str(opts.memory_limit_mib), "--rss-sample-interval", "1",
                    "--rss-samples", "2"]
        return cmd + [opts.app]

    def is_worker(self, pid: int) -> bool:
        return "resource_tracker" not in procfs.cmdline(pid)


class GunicornPreload(Gunicorn):
    name, label = "gunicorn-preload", "Gunicorn + UvicornWorker --preload"
    extra = ["--preload"]


class Uvicorn(Server):
    name, label = "uvicorn", "uvicorn --workers"
    cannot = {"status": "no control interface", "spawn1000": "no command workers",
              "metrics6000": "the library's own collector: in Drover's row",
              "ops": "no ops listener: Drover's is measured on and off"}

    def command(self, port: int, rundir: Path, opts: Options) -> list[str]:
        return [str(self.paths.venv_bin / "uvicorn"), "--workers", str(opts.workers), "--host", "127.0.0.1",
                "--port", str(port), "--no-access-log", opts.app]

    def is_worker(self, pid: int) -> bool:
        return "resource_tracker" not in procfs.cmdline(pid)


class Drover(Server):
    name, label = "drover", "Drover --spawn exec"
    extra: list[str] = ["--spawn", "exec"]  # each worker a fresh exec (droverd's default; named for clarity)

    def command(self, port: int, rundir: Path, opts: Options) -> list[str]:
        cmd = [str(self.paths.droverd), "-w", str(opts.workers), "-b", f"127.0.0.1:{port}",
               "--access-logfile", "", "--control-socket", str(rundir / "drover.sock"),
               "--launcher", str(self.paths.venv_bin / "drover-worker"), "--chdir", str(APP_DIR), *self.extra]
        if opts.timeout is not None:
            cmd += ["--timeout", f"{opts.timeout:g}"]
        if opts.memory_limit_mib:  # USS, sampled every second, two samples in a row
            cmd += ["--max-worker-memory", f"{opts.memory_limit_mib}MiB", "--memory-interval", "1",
                    "--memory-samples", "2"]
        return cmd + (opts.drover_args or []) + [opts.app]

    def is_worker(self, pid: int) -> bool:
        # In fork mode droverd's children are the workers and one template per pool generation
        # (the launcher named drover-template): not a worker, but part of the pool's memory.
        return procfs.comm(pid) != TEMPLATE_COMM

    def command_pool(self, port: int, rundir: Path, workers: int, program: list[str]) -> list[str]:
        # The program (sleep) never accepts on the bind: ready when spawned, not by observation.
        return [str(self.paths.droverd), "-k", "command", "-w", str(workers), "-b", f"127.0.0.1:{port}",
                "--no-wait-ready", "--control-socket", str(rundir / "drover.sock"), "--chdir", str(rundir), "--",
                *program]


class DroverFork(Drover):
    name, label = "drover-fork", "Drover --spawn fork"
    extra = ["--spawn", "fork"]


class DroverPreload(Drover):
    name, label = "drover-preload", "Drover --preload"
    extra = ["--preload"]  # with --spawn fork, the default


class Running:
    """A started server: its master (the process we started) and its workers (the master's
    children, as /proc lists them)."""

    def __init__(self, server: Server, proc: subprocess.Popen, port: int, rundir: Path, started: float,
                 cmd: list[str]) -> None:
        self.server, self.proc, self.port, self.rundir, self.started, self.cmd = \
            server, proc, port, rundir, started, cmd
        self.master = proc.pid
        self._seen: dict[int, int | None] = {}  # every descendant seen: pid -> start time

    def workers(self) -> list[int]:
        pids = [p for p in procfs.children(self.master) if procfs.alive(p) and self.server.is_worker(p)]
        return sorted(pids)

    def tree(self) -> list[int]:
        """The master and every descendant, remembered for the final clean-up."""
        pids = [self.master, *procfs.descendants(self.master)]
        for p in pids[1:]:
            self._seen.setdefault(p, procfs.start_time(p))
        return pids

    def signal(self, sig: int) -> None:
        os.kill(self.master, sig)

    def stop(self, grace: float = 10.0) -> float | None:
        """SIGTERM the master and wait; SIGKILL it after `grace`. Then SIGKILL, by pid, any
        descendant still alive (checked against its start time). Returns the exit wait (s)."""
        self.tree()
        t0 = time.perf_counter()
        waited = None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout=grace)
                waited = time.perf_counter() - t0
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.kill_leftovers()
        return waited

    def kill_leftovers(self) -> None:
        for pid, started in self._seen.items():
            if procfs.alive(pid) and procfs.start_time(pid) == started:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        deadline = time.time() + 5
        while time.time() < deadline and any(procfs.alive(p) and procfs.start_time(p) == s
                                             for p, s in self._seen.items()):
            time.sleep(0.02)


SERVERS = {cls.name: cls for cls in (Gunicorn, GunicornPreload, Uvicorn, Granian, Drover, DroverFork,
                                      DroverPreload)}
