"""A `command` worker that leaves an orphan behind: it forks a child that forks a
grandchild and exits at once. The grandchild is re-parented to droverd (a subreaper,
or PID 1), prints its pid and exits 0.3 s later; droverd must reap it."""

import os
import socket
import sys
import time

listener = socket.socket(fileno=3)
child = os.fork()
if child == 0:
    if os.fork() == 0:
        time.sleep(0.3)
        print(f"orphan pid {os.getpid()}", file=sys.stderr, flush=True)
        os._exit(0)
    os._exit(0)
os.waitpid(child, 0)
while True:
    connection, _ = listener.accept()
    connection.close()
