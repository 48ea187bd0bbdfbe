"""Template mode (``drover-worker --template``): the test plays droverd on the template's SEQPACKET socket.

The test process is made a child subreaper, as droverd is, so that the forked workers become its children.
"""

from __future__ import annotations

import ctypes
import json
import mmap
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import _INHERITED, FDEXEC
from workers import APPS, PACKAGE_ROOT, TIMEOUT, Conn, Listener, NotifyReceiver, tcp_listener, wait_until

PR_SET_CHILD_SUBREAPER = 36
_libc = ctypes.CDLL(None, use_errno=True)


class Drain:
    """Read a pipe until EOF in a thread (a worker's stderr), so that the writer never blocks."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.data = bytearray()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while chunk := os.read(self.fd, 65536):
            self.data += chunk
        os.close(self.fd)

    def text(self) -> str:
        return self.data.decode(errors="replace")


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_INHERITED)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class Forked:
    """A worker forked by a template (or exec'd, for comparison): it is the test's child, not a Popen."""

    pid: int
    listeners: list[Listener]
    notify: NotifyReceiver
    stderr: Drain
    heartbeat: mmap.mmap
    status: int | None = None
    conns: list[Conn] = field(default_factory=list)

    def poll(self) -> int | None:
        """Popen.poll() for NotifyReceiver.wait_for: the exit status once the worker has exited."""
        if self.status is None:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.status = os.waitstatus_to_exitcode(status)
        return self.status

    @property
    def returncode(self) -> int | None:
        return self.status

    def wait_ready(self) -> None:
        try:
            self.notify.wait_for("READY", proc=self)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- stderr ---\n{self.stderr.text()}") from None

    def get(self, path: str = "/", index: int = 0) -> dict:
        conn = Conn(self.listeners[index])
        self.conns.append(conn)
        response = conn.get(path)
        assert response.status == 200, response
        return json.loads(response.body)

    def stamp(self) -> int:
        return ctypes.c_uint64.from_buffer(self.heartbeat).value

    def wait_exit(self) -> int:
        deadline = time.monotonic() + TIMEOUT
        while (status := self.poll()) is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"worker {self.pid} still running\n--- stderr ---\n{self.stderr.text()}")
            time.sleep(0.01)
        return status

    def cleanup(self) -> None:
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            self.status = -signal.SIGKILL
        for conn in self.conns:
            conn.close()
        self.notify.close()
        self.heartbeat.close()


class Driver:
    """droverd's side: templates on a socketpair, fork requests, and exec'd workers to compare with."""

    def __init__(self, tmp_path: Path, sockdir: str) -> None:
        self.tmp_path = tmp_path
        self.sockdir = sockdir
        self.listener = tcp_listener()
        self.templates: list[subprocess.Popen] = []
        self.workers: list[Forked] = []
        self.sock: socket.socket | None = None
        self.proc: subprocess.Popen | None = None
        self.stdout = tmp_path / "stdout"

    # -- the template ----------------------------------------------------------------

    def start(self, *args: str, app: str = "forked:app", env: dict[str, str] | None = None) -> subprocess.Popen:
        """Exec ``drover-worker ARGS APP`` with DROVER_TEMPLATE_FD as droverd does (fds 3.. the sockets, then the template's)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        child_env = base_env()
        child_env.update(FDEXEC_LISTEN=str(self.listener.sock.fileno()), FDEXEC_TEMPLATE=str(theirs.fileno()))
        child_env.update(DROVER_POOL="web", DROVER_GENERATION="1", LISTEN_FDNAMES="web")
        child_env.update(env or {})
        self.template_stderr = self.tmp_path / f"template{len(self.templates)}.err"
        with open(self.template_stderr, "wb") as err, open(self.stdout, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, str(FDEXEC), sys.executable, "-m", "drover_worker", *args, app],
                cwd=APPS,
                env=child_env,
                pass_fds=[self.listener.sock.fileno(), theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
            )
        theirs.close()
        ours.settimeout(TIMEOUT)
        self.sock = ours
        self.templates.append(self.proc)
        return self.proc

    def receive(self) -> dict | None:
        """One message from the template; None at EOF."""
        assert self.sock is not None
        data = self.sock.recv(1 << 20)
        return json.loads(data) if data else None

    def ready(self) -> dict:
        message = self.receive()
        assert message is not None and message.get("ready") is True, f"{message}\n{self.template_log()}"
        return message

    def template_log(self) -> str:
        return self.template_stderr.read_text(errors="replace")

    def request(self, message: dict, fds: list[int]) -> dict:
        assert self.sock is not None
        socket.send_fds(self.sock, [json.dumps(message).encode()], fds)
        answer = self.receive()
        assert answer is not None, f"EOF instead of an answer\n{self.template_log()}"
        return answer

    # -- workers -----------------------------------------------------------------------

    def _worker_env(
        self, index: int, probe: bool, extra: dict[str, str] | None = None
    ) -> tuple[dict[str, str], NotifyReceiver]:
        notify = NotifyReceiver("path", self.sockdir)
        env = base_env() | (extra or {})
        env.update(DROVER_POOL="web", DROVER_GENERATION="1", DROVER_WORKER_INDEX=str(index))
        env.update(NOTIFY_SOCKET=notify.env_value, LISTEN_FDS=str(1 + probe))
        env.update(LISTEN_FDNAMES="web:probe" if probe else "web", DROVER_HEARTBEAT_FD=str(4 + probe))
        return env, notify

    @staticmethod
    def _heartbeat() -> tuple[int, mmap.mmap]:
        memfd = os.memfd_create("drover-heartbeat")
        os.ftruncate(memfd, 8)
        return memfd, mmap.mmap(memfd, 8)

    def fork(
        self,
        index: int,
        *args: str,
        app: str = "forked:app",
        probe: bool = False,
        env: dict[str, str] | None = None,
        watchdog: bool = False,
    ) -> Forked:
        """Ask the template for worker INDEX with the argv droverd would exec (stderr a pipe, a heartbeat memfd,
        or with watchdog WATCHDOG_USEC and WATCHDOG_PID instead)."""
        env, notify = self._worker_env(index, probe, env)
        env["LISTEN_PID"] = ""  # droverd's exec shim fills it in; the template must too
        read_end, write_end = os.pipe()
        memfd, heartbeat = self._heartbeat()
        listeners = [self.listener]
        fds, names = [write_end, memfd], ["stderr", "heartbeat"]
        if watchdog:
            del env["DROVER_HEARTBEAT_FD"], fds[1], names[1]
            env.update(WATCHDOG_USEC="200000", WATCHDOG_PID="")
        probe_listener = None
        if probe:
            probe_listener = tcp_listener()
            listeners.append(probe_listener)
            fds.append(probe_listener.sock.fileno())
            names.append("probe")
        argv = ["drover-worker", *args, app]
        answer = self.request({"argv": argv, "env": sorted(env.items()), "fds": names}, fds)
        os.close(write_end)
        os.close(memfd)
        if probe_listener is not None:
            probe_listener.sock.close()
            probe_listener.sock = None
        assert "pid" in answer, f"{answer}\n{self.template_log()}"
        worker = Forked(answer["pid"], listeners, notify, Drain(read_end), heartbeat)
        self.workers.append(worker)
        return worker

    def exec_worker(self, index: int, *args: str, app: str = "forked:app") -> Forked:
        """An exec'd worker started as droverd starts one, on the same socket, for comparison."""
        env, notify = self._worker_env(index, probe=False)
        read_end, write_end = os.pipe()
        memfd, heartbeat = self._heartbeat()
        del env["DROVER_HEARTBEAT_FD"], env["LISTEN_FDS"]  # fdexec sets them, and LISTEN_PID
        env.update(FDEXEC_LISTEN=str(self.listener.sock.fileno()), FDEXEC_HEARTBEAT=str(memfd))
        with open(self.stdout, "ab") as out:
            proc = subprocess.Popen(
                [sys.executable, str(FDEXEC), sys.executable, "-m", "drover_worker", *args, app],
                cwd=APPS,
                env=env,
                pass_fds=[self.listener.sock.fileno(), memfd],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=write_end,
            )
        proc.returncode = 0  # reaped by Forked, not by Popen
        os.close(write_end)
        os.close(memfd)
        worker = Forked(proc.pid, [self.listener], notify, Drain(read_end), heartbeat)
        self.workers.append(worker)
        return worker

    def cleanup(self) -> None:
        for worker in self.workers:
            worker.cleanup()
        for proc in self.templates:
            if proc.poll() is None:
                proc.kill()
            proc.wait(TIMEOUT)
        if self.sock is not None:
            self.sock.close()
        if self.listener.sock is not None:
            self.listener.sock.close()


@pytest.fixture
def driver(tmp_path: Path, sockdir: str):
    if _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        pytest.skip(f"prctl(PR_SET_CHILD_SUBREAPER): {os.strerror(ctypes.get_errno())}")
    drv = Driver(tmp_path, sockdir)
    try:
        yield drv
    finally:
        drv.cleanup()
        _libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


def fd_kinds(pid: int) -> dict[int, str]:
    """What each open fd of PID is: socket, pipe, memfd, /dev/null, anon_inode:[...] or file."""
    kinds = {}
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{name}")
        except FileNotFoundError:
            continue
        if target.startswith(("socket:", "pipe:")):
            kind = target.split(":")[0]
        elif target.startswith("/memfd:"):
            kind = "memfd"
        elif target.startswith("anon_inode:") or target == "/dev/null":
            kind = target
        else:
            kind = "file"
        kinds[int(name)] = kind
    return kinds


def signal_masks(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    fields = dict(line.split(":\t", 1) for line in lines if ":\t" in line)
    return {name: fields[name].strip() for name in ("SigBlk", "SigIgn", "SigCgt")}


def process_name(pid: int) -> str:
    return Path(f"/proc/{pid}/comm").read_text().strip()


def test_a_forked_worker_is_droverds_child_and_looks_exec_d(driver):
    template = driver.start("--http", "h11", "--loop", "asyncio")
    ready = driver.ready()
    assert ready == {"ready": True, "pid": template.pid, "preload": False}

    forked = driver.fork(3, "--http", "h11", "--loop", "asyncio")
    assert forked.pid not in (template.pid, os.getpid())
    assert os.waitpid(forked.pid, os.WNOHANG) == (0, 0), "our child (still running) as soon as we have its pid"
    forked.wait_ready()
    info = forked.get()
    assert info["pid"] == forked.pid
    assert info["ppid"] == os.getpid(), "reparented to the subreaper (droverd), not the template"
    assert info["pgid"] == forked.pid
    assert info["pdeathsig"] == signal.SIGKILL
    assert info["index"] == "3"
    assert info["import_pid"] == forked.pid, "without --preload the worker imports the app itself"
    assert info["argv"] == ["drover-worker", "--http", "h11", "--loop", "asyncio", "forked:app"]
    first = forked.stamp()
    wait_until(lambda: forked.stamp() > first, message="the heartbeat stamp to advance")

    execd = driver.exec_worker(4, "--http", "h11", "--loop", "asyncio")
    execd.wait_ready()
    for conn in forked.conns:  # the exec'd worker has no connection (the socket is shared: we cannot choose)
        conn.close()
    wait_until(lambda: fd_kinds(forked.pid) == fd_kinds(execd.pid), timeout=2, message="the same fds")
    assert fd_kinds(forked.pid)[2] == "pipe" and fd_kinds(forked.pid)[4] == "memfd"
    assert signal_masks(forked.pid) == signal_masks(execd.pid)
    # ps tells the template from its workers by name; a worker has an exec'd worker's.
    assert process_name(template.pid) == "drover-template"
    assert process_name(forked.pid) == process_name(execd.pid) != "drover-template"

    os.kill(forked.pid, signal.SIGTERM)
    assert forked.wait_exit() == 0
    assert "Application startup complete." in forked.stderr.text()
    assert "drover-worker template" not in driver.template_log()


def test_watchdog_pid_is_the_forked_workers(driver):
    driver.start()
    driver.ready()
    worker = driver.fork(0, watchdog=True)
    worker.wait_ready()
    worker.notify.wait_for("WATCHDOG", timeout=2)  # sent only when WATCHDOG_PID is our pid


def test_two_workers_from_one_template_outlive_it(driver):
    template = driver.start()
    driver.ready()
    first = driver.fork(0)
    second = driver.fork(1, probe=True)  # the probe lands at 4, the heartbeat at 5
    for worker in (first, second):
        worker.wait_ready()
    assert second.get(index=1)["pid"] == second.pid, "the probe socket is served by its own worker"
    assert fd_kinds(second.pid)[4] == "socket" and fd_kinds(second.pid)[5] == "memfd"
    assert first.get()["pid"] in (first.pid, second.pid)  # the pool's socket is shared

    driver.sock.shutdown(socket.SHUT_WR)  # EOF: the template ends, its workers go on
    assert template.wait(TIMEOUT) == 0
    assert driver.receive() is None
    assert second.get(index=1)["pid"] == second.pid
    os.kill(second.pid, signal.SIGTERM)
    assert second.wait_exit() == 0
    assert first.get()["pid"] == first.pid  # alone on the pool's socket now
    os.kill(first.pid, signal.SIGTERM)
    assert first.wait_exit() == 0


HOOKS = """\
import json
import os
import sys


def post_fork(server, worker):
    with open(os.environ["HOOK_LOG"], "a") as log:
        log.write(json.dumps({"hook": "post_fork", "pid": os.getpid(), "listen_pid": os.environ.get("LISTEN_PID"),
                              "server_pid": server.pid, "app_imported": "forked" in sys.modules}) + "\\n")


def post_worker_init(worker):
    with open(os.environ["HOOK_LOG"], "a") as log:
        log.write(json.dumps({"hook": "post_worker_init", "pid": os.getpid()}) + "\\n")
"""


def test_preload_imports_the_app_once_in_the_template(driver, tmp_path):
    imports, hook_log, config = tmp_path / "imports", tmp_path / "hooks", tmp_path / "gunicorn_conf.py"
    config.write_text(HOOKS)
    template = driver.start("--preload", env={"FORKED_IMPORT_LOG": str(imports)})
    assert driver.ready() == {"ready": True, "pid": template.pid, "preload": True}
    hooks = ("--gunicorn-config", str(config), "--worker-hooks", "post_fork,post_worker_init")
    workers = [driver.fork(index, "--preload", *hooks, env={"HOOK_LOG": str(hook_log)}) for index in range(2)]
    for worker in workers:
        worker.wait_ready()
        info = worker.get()
        assert info["import_pid"] == template.pid
        # The template imported everything the worker needs; the worker runs the hooks' file itself.
        assert info["imported_since"] == ["__config__"]
    assert imports.read_text().split() == [str(template.pid)]

    records = [json.loads(line) for line in hook_log.read_text().splitlines()]
    for worker in workers:  # Gunicorn's preload_app: imported before the fork, the hooks run in the worker
        fork_record, init_record = (r for r in records if r["pid"] == worker.pid)
        assert fork_record == {
            "hook": "post_fork",
            "pid": worker.pid,
            "listen_pid": str(worker.pid),
            "server_pid": os.getpid(),
            "app_imported": True,
        }
        assert init_record["hook"] == "post_worker_init"


def test_preload_load_failure_exits_4_with_the_traceback(driver):
    template = driver.start("--preload", app="broken_import:app")
    assert template.wait(TIMEOUT) == 4
    assert driver.receive() is None, "no ready message"
    log = driver.template_log()
    assert "ModuleNotFoundError: No module named 'drover_test_module_that_does_not_exist'" in log
    assert "broken_import.py" in log
    assert log.rstrip().endswith(
        "drover-worker: cannot load app 'broken_import:app': "
        "ModuleNotFoundError: No module named 'drover_test_module_that_does_not_exist'"
    )


def test_signals_changed_by_a_preloaded_app_are_reset_in_workers(driver):
    driver.start("--preload", env={"FORKED_SIGNALS": "1"})
    driver.ready()
    forked = driver.fork(0)
    execd = driver.exec_worker(1)  # it imports the app without FORKED_SIGNALS
    for worker in (forked, execd):
        worker.wait_ready()
    assert signal_masks(forked.pid) == signal_masks(execd.pid)
    assert signal_masks(driver.proc.pid) != signal_masks(execd.pid)
    os.kill(forked.pid, signal.SIGTERM)  # the worker's own handler: a retirement, not the app's no-op
    assert forked.wait_exit() == 0


def test_a_thread_started_at_import_is_warned_about_once(driver):
    driver.start("--preload", env={"FORKED_THREAD": "1"})
    driver.ready()
    workers = [driver.fork(index) for index in range(2)]
    for worker in workers:
        worker.wait_ready()
        assert "forked-sleeper" not in worker.get()["threads"]
    warning = (
        "drover-worker template: threads alive at fork time: forked-sleeper; "
        "forked workers do not inherit them (see preload in the docs)"
    )
    assert driver.template_log().count("threads alive") == 1
    assert warning in driver.template_log()


def test_a_worker_whose_supervisor_is_gone_exits(driver):
    driver.start()
    driver.ready()
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)  # the worker is reparented elsewhere: droverd "died"
    worker = driver.fork(0)
    worker.stderr.thread.join(TIMEOUT)  # EOF: it exited without taking its stderr
    assert not worker.stderr.thread.is_alive()
    assert worker.stderr.text() == ""
    assert not worker.notify.drain()


def test_bad_requests_are_answered_and_the_template_goes_on(driver):
    driver.start()
    driver.ready()
    read_end, write_end = os.pipe()
    try:
        assert "error" in driver.request({"argv": ["drover-worker", "forked:app"], "env": [], "fds": []}, [])
        assert "error" in driver.request({"argv": [], "env": [], "fds": ["stderr"]}, [write_end])
        socket.send_fds(driver.sock, [b"not json"], [write_end])
        assert "not JSON" in driver.receive()["error"]
        heartbeat = {"argv": ["drover-worker", "forked:app"], "env": [], "fds": ["stderr", "heartbeat"]}
        assert "DROVER_HEARTBEAT_FD" in driver.request(heartbeat, [write_end, write_end])["error"]
    finally:
        os.close(read_end)
        os.close(write_end)
    worker = driver.fork(0)
    worker.wait_ready()
    assert worker.get()["pid"] == worker.pid


def _file_mappings(pid: int) -> list[list[int]]:
    """[start, length] of the process's private read-only file mappings, as droverd picks them without swap."""
    ranges = []
    with open(f"/proc/{pid}/maps") as maps:
        for line in maps:
            fields = line.split(maxsplit=5)
            if len(fields) == 6 and fields[1] in ("r-xp", "r--p") and fields[5].startswith("/"):
                start, end = (int(n, 16) for n in fields[0].split("-"))
                ranges.append([start, end - start])
    return ranges


def _private_clean_kib(pid: int) -> int:
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        return next(int(line.split()[1]) for line in rollup if line.startswith("Private_Clean:"))


def test_page_out_frees_the_templates_own_file_pages_and_it_forks_on(driver):
    driver.start()
    driver.ready()
    pid = driver.proc.pid
    ranges = _file_mappings(pid)
    before = _private_clean_kib(pid)
    answer = driver.request({"page_out": ranges}, [])
    assert answer == {"paged_out": len(ranges)}, answer
    if os.geteuid() == 0:  # freeing file pages needs write access to the files
        assert _private_clean_kib(pid) < before / 2, (before, _private_clean_kib(pid))
    assert "error" in driver.request({"page_out": [[1, 2, 3]]}, [])
    assert "error" in driver.request({"page_out": "all"}, [])
    unmapped = driver.request({"page_out": [[4096, 4096]]}, [])
    assert unmapped["paged_out"] == 0 and "madvise(0x1000, 4096)" in unmapped["error"], unmapped
    worker = driver.fork(0)
    worker.wait_ready()
    assert worker.get()["pid"] == worker.pid


def test_bad_arguments_exit_2(driver):
    template = driver.start("--no-such-option")
    assert template.wait(TIMEOUT) == 2
    assert "unrecognized arguments: --no-such-option" in driver.template_log()


def test_without_droverds_socket_the_template_exits_2():
    command = [sys.executable, "-m", "drover_worker", "--template", "forked:app"]
    env = base_env() | {"LISTEN_FDS": "1"}
    done = subprocess.run(command, cwd=APPS, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 2
    assert done.stderr.startswith("drover-worker: --template: DROVER_TEMPLATE_FD='' is not a file descriptor")


def test_an_exec_d_worker_accepts_and_ignores_preload(spawn):
    worker = spawn("hello:app", "--preload")
    worker.wait_ready()
    assert worker.connect().get("/").status == 200
