"""`command` workers that misbehave on purpose, for the reliability tests.

    python3 misbehaving.py ignore-term   serve on fd 3, ignoring SIGTERM
    python3 misbehaving.py close-socket  close the inherited socket, then idle
    python3 misbehaving.py flood MB      write MB megabytes to stderr at once, then serve
    python3 misbehaving.py fork N        start N children (in the worker's process group) that sleep, then serve
"""

import os
import signal
import socket
import sys
import time

from tiny_http import answer_forever


def serve(listener: socket.socket) -> None:
    answer_forever(listener, str(os.getpid()).encode())


def main() -> None:
    mode = sys.argv[1]
    listener = socket.socket(fileno=3)
    if mode == "ignore-term":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("ignoring SIGTERM", file=sys.stderr, flush=True)
        try:
            serve(listener)
        except OSError:
            pass  # droverd shut the listener down: keep ignoring it
        while True:
            time.sleep(3600)
    elif mode == "close-socket":
        listener.close()
        print("closed my socket", file=sys.stderr, flush=True)
        while True:
            time.sleep(3600)
    elif mode == "flood":
        chunk = ("x" * 1023 + "\n").encode()
        for _ in range(int(sys.argv[2]) * 1024):
            os.write(2, chunk)
        print("flood done", file=sys.stderr, flush=True)
        serve(listener)
    elif mode == "fork":
        for _ in range(int(sys.argv[2])):
            if os.fork() == 0:
                os.write(2, f"child {os.getpid()}\n".encode())  # one write: the children run at once
                time.sleep(3600)
                os._exit(0)
        serve(listener)


if __name__ == "__main__":
    main()
