"""Test trampoline: put inherited fds where droverd puts them, then exec the worker.

Usage: python fdexec.py PROGRAM [ARGS...], configured through the environment:
  FDEXEC_LISTEN=12,13     fds (passed with pass_fds) to move to 3, 4, ...; sets LISTEN_FDS
  FDEXEC_HEARTBEAT=14     fd to move right after them; sets DROVER_HEARTBEAT_FD
  FDEXEC_LISTEN_PID=self  LISTEN_PID to set: "self" (default, the exec'd pid), "unset" or a number
  FDEXEC_TEMPLATE=15      fd to move after those (a --template's socket); sets DROVER_TEMPLATE_FD
Core dumps are disabled (one test aborts the worker on purpose).
"""

import fcntl
import os
import resource
import sys

listen = [int(fd) for fd in os.environ.pop("FDEXEC_LISTEN", "").split(",") if fd]
heartbeat = os.environ.pop("FDEXEC_HEARTBEAT", "")
template = os.environ.pop("FDEXEC_TEMPLATE", "")
sources = listen + ([int(heartbeat)] if heartbeat else []) + ([int(template)] if template else [])

parked = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 100) for fd in sources]
for fd in sources:
    os.close(fd)
for target, fd in enumerate(parked, start=3):
    os.dup2(fd, target, inheritable=True)
    os.close(fd)

if listen:
    os.environ["LISTEN_FDS"] = str(len(listen))
if heartbeat:
    os.environ["DROVER_HEARTBEAT_FD"] = str(3 + len(listen))
if template:
    os.environ["DROVER_TEMPLATE_FD"] = str(3 + len(listen) + bool(heartbeat))
listen_pid = os.environ.pop("FDEXEC_LISTEN_PID", "self")
if listen_pid == "self":
    os.environ["LISTEN_PID"] = str(os.getpid())  # exec keeps the pid
elif listen_pid != "unset":
    os.environ["LISTEN_PID"] = listen_pid

resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
os.execv(sys.argv[1], sys.argv[1:])
