"""A timeline of a server's workers: every `interval` s, which worker pids exist and which of
them accept on the listening socket. Event times are read off it afterwards."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from . import procfs
from .servers import Running


@dataclass
class Sample:
    t: float                 # perf_counter()
    workers: frozenset[int]  # alive worker pids
    accepting: frozenset[int]


class Monitor(threading.Thread):
    def __init__(self, running: Running, interval: float = 0.01) -> None:
        super().__init__(daemon=True)
        self.running, self.interval = running, interval
        self.samples: list[Sample] = []
        self._stop_event = threading.Event()

    def sample(self) -> Sample:
        # Looked up at each sample: a server whose workers bind their own sockets makes new ones.
        inodes = procfs.listening_inodes(self.running.port)
        workers = self.running.workers()
        self.running.tree()  # remember every descendant for the clean-up
        acc = frozenset(p for p in workers if inodes and procfs.accepting(p, inodes))
        return Sample(time.perf_counter(), frozenset(workers), acc)

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.samples.append(self.sample())
            self._stop_event.wait(self.interval)

    def stop(self) -> list[Sample]:
        self._stop_event.set()
        self.join(5)
        return self.samples

    # --- reading the timeline -------------------------------------------------------------------

    def first(self, predicate, after: float = 0.0) -> float | None:
        for s in self.samples:
            if s.t >= after and predicate(s):
                return s.t
        return None

    def time_with_none_accepting(self, start: float, end: float) -> float:
        """Seconds in [start, end] during which no worker accepted (sample resolution)."""
        total = 0.0
        for a, b in zip(self.samples, self.samples[1:], strict=False):
            if b.t < start or a.t > end:
                continue
            if not a.accepting:
                total += min(b.t, end) - max(a.t, start)
        return total

    def longest_none_accepting(self, start: float, end: float) -> float:
        """The longest stretch in [start, end] with no worker accepting (sample resolution)."""
        longest, since = 0.0, None
        for s in self.samples:
            if s.t < start or s.t > end:
                continue
            if not s.accepting and since is None:
                since = s.t
            elif s.accepting and since is not None:
                longest, since = max(longest, s.t - since), None
        if since is not None:
            longest = max(longest, end - since)
        return longest

    def new_workers(self, old: frozenset[int]) -> list[int]:
        seen: list[int] = []
        for s in self.samples:
            for p in sorted(s.workers - old):
                if p not in seen:
                    seen.append(p)
        return seen


def wait_until(predicate, timeout: float, interval: float = 0.01) -> bool:
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        if predicate():
            return True
        time.sleep(interval)
    return False
