"""Helpers for the Gunicorn-config tests: run the launcher's modes with an fd at 3, as droverd does."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from workers import HERE, PACKAGE_ROOT, TIMEOUT

CONFIGS = HERE / "gunicorn_configs"

# Put FD at 3 (droverd's place for it), then exec the launcher with the remaining arguments.
_AT_FD3 = (
    "import os, sys\n"
    "fd = int(sys.argv[1])\n"
    "if fd != 3:\n"
    "    os.dup2(fd, 3)\n"
    "    os.close(fd)\n"
    "os.execv(sys.executable, [sys.executable, '-m', 'drover_worker', *sys.argv[2:]])\n"
)


# Variables the seed's config file (or Gunicorn's defaults) read: the tests set them explicitly.
SEED_VARIABLES = {
    "WEB_CONCURRENCY", "WORKERS_PER_CORE", "MAX_WORKERS", "HOST", "PORT", "BIND", "LOG_LEVEL", "ACCESS_LOG",
    "ERROR_LOG", "TIMEOUT", "GRACEFUL_TIMEOUT", "KEEP_ALIVE", "FORWARDED_ALLOW_IPS", "PROMETHEUS_MULTIPROC_DIR",
}  # fmt: skip


def launcher_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The test's environment less droverd's and the seed's variables, plus EXTRA."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DROVER_", "LISTEN_", "NOTIFY_SOCKET")) and k not in SEED_VARIABLES
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def spawn_at_fd3(fd: int, args: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start ``drover-worker ARGS`` with FD as its fd 3 (stdout and stderr piped)."""
    return subprocess.Popen(
        [sys.executable, "-c", _AT_FD3, str(fd), *args],
        cwd=cwd,
        env=launcher_env(env),
        pass_fds=[fd],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@dataclass
class ReadResult:
    status: int
    stdout: str
    stderr: str
    raw: str  # what arrived on fd 3

    @property
    def result(self) -> dict:
        return json.loads(self.raw)


def read_config(path: str, *, cwd: Path, env: dict[str, str] | None = None) -> ReadResult:
    """``drover-worker --read-config PATH --result-fd 3`` in CWD; everything it wrote."""
    read_end, write_end = os.pipe()
    try:
        proc = spawn_at_fd3(write_end, ["--read-config", path, "--result-fd", "3"], cwd=cwd, env=env)
    finally:
        os.close(write_end)
    stdout, stderr = proc.communicate(timeout=TIMEOUT)  # it has exited: fd 3 holds all it wrote
    with os.fdopen(read_end, "rb") as pipe:
        raw = pipe.read().decode()
    return ReadResult(proc.returncode, stdout, stderr, raw)


class HookRunner:
    """A running ``drover-worker --hook-runner FILE --channel-fd 3`` and droverd's end of its socket."""

    def __init__(self, path: str, *, cwd: Path, env: dict[str, str] | None = None) -> None:
        ours, theirs = socket.socketpair()
        try:
            self.proc = spawn_at_fd3(theirs.fileno(), ["--hook-runner", path, "--channel-fd", "3"], cwd=cwd, env=env)
        finally:
            theirs.close()
        ours.settimeout(TIMEOUT)
        self.sock = ours
        self.stream = ours.makefile("rwb")
        self.next_id = 1

    def request(self, body: dict) -> dict:
        """Send one request (an id is added) and return the reply, which must carry the same id."""
        body = {"id": self.next_id, **body}
        self.next_id += 1
        self.stream.write((json.dumps(body) + "\n").encode())
        self.stream.flush()
        line = self.stream.readline()
        assert line, f"no reply to {body}; stderr:\n{self.finish()[1]}"
        reply = json.loads(line)
        assert reply["id"] == body["id"], reply
        return reply

    def hook(self, name: str, config: dict | None = None, **fields: object) -> dict:
        server = {"pid": 4242, "num_workers": 2, "proc_name": "main:app", "config": config or {}}
        return self.request({"hook": name, "server": server, **fields})

    def finish(self) -> tuple[int, str, str]:
        """Close droverd's end (EOF) and wait: (status, stdout, stderr)."""
        self.stream.close()
        self.sock.close()
        stdout, stderr = self.proc.communicate(timeout=TIMEOUT)
        return self.proc.returncode, stdout, stderr

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=TIMEOUT)
        self.stream.close()
        self.sock.close()
