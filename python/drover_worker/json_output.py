"""With --log-format json, every line the worker writes to stdout is one JSON object.

A line that already is one (an access record) passes as it is; any other (a ``print``) becomes
``{"time", "level", "logger": "worker", "pool", "slot", "pid", "stream": "stdout", "message"}``
-- the shape droverd gives the lines of a worker's stderr in that format.
"""

from __future__ import annotations

import io
import json
import os
import time
from typing import IO


class JsonLineWriter(io.TextIOBase):
    """A text stream over ``stream`` that writes whole lines, each one JSON object."""

    def __init__(self, stream: IO[str]) -> None:
        super().__init__()
        self._stream = stream
        self._partial = ""
        self._pool = os.environ.get("DROVER_POOL", "")
        self._slot = int(os.environ.get("DROVER_WORKER_INDEX", "0") or 0)

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._partial += text
        if "\n" in self._partial:
            *lines, self._partial = self._partial.split("\n")
            self._stream.write("".join(self._record(line) + "\n" for line in lines))
        return len(text)

    def _record(self, line: str) -> str:
        if line.startswith("{") and line.endswith("}"):
            return line
        now = time.time()
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"
        return json.dumps(
            {
                "time": stamp,
                "level": "info",
                "logger": "worker",
                "pool": self._pool,
                "slot": self._slot,
                "pid": os.getpid(),
                "stream": "stdout",
                "message": line,
            },
            separators=(",", ":"),
        )

    def flush(self) -> None:
        self._stream.flush()

    def fileno(self) -> int:
        return self._stream.fileno()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "encoding", "utf-8")
