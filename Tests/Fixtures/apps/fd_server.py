"""A tiny HTTP server for `command` workers: it serves on the socket droverd passes
(LISTEN_FDS, or an fd number given as its first argument) and answers every request
with its pid and environment facts, one JSON object per response.

Options (environment): FD_SERVER_READY=1 sends READY=1 to NOTIFY_SOCKET once listening.
"""

import json
import os
import socket
import sys

from tiny_http import answer_forever


def notify(message: str) -> None:
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return
    if address.startswith("@"):
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.sendto(message.encode(), address)


def blocked_signals() -> str:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("SigBlk:"):
                return line.split()[1]
    return "?"


def main() -> None:
    if len(sys.argv) > 1:
        fd = int(sys.argv[1])
    else:
        assert os.environ.get("LISTEN_PID") == str(os.getpid()), "LISTEN_PID is not my pid"
        assert int(os.environ["LISTEN_FDS"]) >= 1
        fd = 3
    listener = socket.socket(fileno=fd)
    if os.environ.get("FD_SERVER_READY") == "1":
        notify("READY=1\nSTATUS=fd server listening")
    facts = {
        "pid": os.getpid(),
        "fd": fd,
        "listen_fds": os.environ.get("LISTEN_FDS"),
        "listen_pid": os.environ.get("LISTEN_PID"),
        "listen_fdnames": os.environ.get("LISTEN_FDNAMES"),
        "pool": os.environ.get("DROVER_POOL"),
        "index": os.environ.get("DROVER_WORKER_INDEX"),
        "generation": os.environ.get("DROVER_GENERATION"),
        "open_fds": sorted(int(name) for name in os.listdir("/proc/self/fd")),
        "pgid": os.getpgid(0),
        "blocked_signals": blocked_signals(),
    }
    answer_forever(listener, json.dumps(facts).encode(), "application/json")


if __name__ == "__main__":
    main()
