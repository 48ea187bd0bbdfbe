"""What /proc says about a server's process tree: children, memory, CPU, wake-ups, and whether
a worker is accepting (its epoll set watches the listening socket)."""

from __future__ import annotations

import os

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def children(pid: int) -> list[int]:
    """Direct children, spawned by any thread (each thread has its own `children` list)."""
    result: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return result
    for tid in tasks:
        text = _read(f"/proc/{pid}/task/{tid}/children")
        if text:
            result.extend(int(p) for p in text.split())
    return sorted(set(result))


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        for child in children(todo.pop()):
            out.append(child)
            todo.append(child)
    return out


def cmdline(pid: int) -> str:
    text = _read(f"/proc/{pid}/cmdline")
    return text.replace("\0", " ").strip() if text else ""


def comm(pid: int) -> str:
    """The process name (/proc/PID/comm: PR_SET_NAME, 15 characters at most)."""
    text = _read(f"/proc/{pid}/comm")
    return text.strip() if text else ""


def stat_fields(pid: int) -> list[str] | None:
    """/proc/PID/stat split after the command name: [0] is the state (field 3)."""
    text = _read(f"/proc/{pid}/stat")
    if not text:
        return None
    return text[text.rindex(")") + 2:].split()


def alive(pid: int) -> bool:
    """Exists and is not a zombie (a killed worker not yet reaped counts as gone)."""
    fields = stat_fields(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def start_time(pid: int) -> int | None:
    fields = stat_fields(pid)
    return int(fields[19]) if fields else None  # field 22: starttime


def memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in KiB from smaps_rollup; (0, 0) if the process is gone."""
    text = _read(f"/proc/{pid}/smaps_rollup")
    rss = pss = 0
    for line in (text or "").splitlines():
        if line.startswith("Rss:"):
            rss = int(line.split()[1])
        elif line.startswith("Pss:"):
            pss = int(line.split()[1])
    return rss, pss


def anon_pss_kib(pid: int) -> int:
    """Pss_Anon in KiB from smaps_rollup (the heap and stacks: what neither page cache nor another
    process can take back); 0 if the process is gone."""
    for line in (_read(f"/proc/{pid}/smaps_rollup") or "").splitlines():
        if line.startswith("Pss_Anon:"):
            return int(line.split()[1])
    return 0


def unique_kib(pid: int) -> int:
    """USS in KiB (Private_Clean + Private_Dirty of smaps_rollup); 0 if the process is gone."""
    text = _read(f"/proc/{pid}/smaps_rollup")
    return sum(int(line.split()[1]) for line in (text or "").splitlines()
               if line.startswith(("Private_Clean:", "Private_Dirty:")))


def thread_counters(pid: int) -> dict[int, dict[str, int]]:
    """Per thread: CPU ns and run count (schedstat: each run is a wake-up or a preemption
    return), voluntary and involuntary context switches (status)."""
    result: dict[int, dict[str, int]] = {}
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return result
    for tid in tasks:
        sched = _read(f"/proc/{pid}/task/{tid}/schedstat")
        status = _read(f"/proc/{pid}/task/{tid}/status")
        if not sched or not status:
            continue
        cpu, _wait, runs = (int(x) for x in sched.split())
        counters = {"cpu_ns": cpu, "runs": runs, "voluntary": 0, "involuntary": 0}
        for line in status.splitlines():
            if line.startswith("voluntary_ctxt_switches:"):
                counters["voluntary"] = int(line.split()[1])
            elif line.startswith("nonvoluntary_ctxt_switches:"):
                counters["involuntary"] = int(line.split()[1])
        result[int(tid)] = counters
    return result


def counters_delta(before: dict[int, dict[str, int]], after: dict[int, dict[str, int]]) -> dict[str, int]:
    """Summed increase over the threads alive at both readings (a thread that exits in between
    takes its counts with it; one that starts counts from 0)."""
    total = {"cpu_ns": 0, "runs": 0, "voluntary": 0, "involuntary": 0, "threads": len(after)}
    for tid, now in after.items():
        then = before.get(tid, {k: 0 for k in now})
        for k in ("cpu_ns", "runs", "voluntary", "involuntary"):
            total[k] += now[k] - then[k]
    return total


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of each process (all its threads), in seconds."""
    total = 0
    for pid in pids:
        fields = stat_fields(pid)
        if fields:
            total += int(fields[11]) + int(fields[12])  # fields 14, 15
    return total / CLOCK_TICKS


def listening_inodes(port: int) -> frozenset[int]:
    """The inodes of the TCP sockets listening on 127.0.0.1:PORT (or any address): one shared socket,
    or one per worker where each binds its own with SO_REUSEPORT (Granian)."""
    text = _read("/proc/net/tcp") or ""
    found = set()
    for line in text.splitlines()[1:]:
        parts = line.split()
        local, state, inode = parts[1], parts[3], int(parts[9])
        if state == "0A" and int(local.split(":")[1], 16) == port and inode:
            found.add(inode)
    return frozenset(found)


def accepting(pid: int, inodes: frozenset[int]) -> bool:
    """True when one of the process's epoll instances watches one of the listening sockets."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") != "anon_inode:[eventpoll]":
                continue
        except OSError:
            continue
        for line in (_read(f"/proc/{pid}/fdinfo/{fd}") or "").splitlines():
            if line.startswith("tfd:") and " ino:" in line:
                if int(line.split(" ino:")[1].split()[0], 16) in inodes:
                    return True
    return False


class MachineCPU:
    """Machine-wide busy CPU (cores) between two readings of /proc/stat."""

    def __init__(self) -> None:
        self.last = self._busy_total()

    @staticmethod
    def _busy_total() -> tuple[int, int]:
        fields = [int(x) for x in (_read("/proc/stat") or "").splitlines()[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return sum(fields) - idle, sum(fields)

    def cores_since_last(self) -> float:
        busy, total = self._busy_total()
        d_busy, d_total = busy - self.last[0], total - self.last[1]
        self.last = (busy, total)
        ncpu = os.cpu_count() or 1
        return ncpu * d_busy / d_total if d_total else 0.0
