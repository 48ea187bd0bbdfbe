"""Listening sockets inherited from droverd, systemd style (LISTEN_FDS).

The sockets sit at fds 3 .. 3+LISTEN_FDS-1.  As with sd_listen_fds(), they are
ignored when LISTEN_PID is set to another process, and the variables are removed
from os.environ so that subprocesses of the app do not see them.
"""

from __future__ import annotations

import os
import socket

SD_LISTEN_FDS_START = 3
_VARIABLES = ("LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES")


class ListenError(Exception):
    """The LISTEN_* environment does not give us sockets we can serve on."""


def _take_environ() -> dict[str, str]:
    return {name: os.environ.pop(name) for name in _VARIABLES if name in os.environ}


def listen_sockets() -> tuple[list[socket.socket], list[str]]:
    """Return the inherited listening sockets and their LISTEN_FDNAMES names.

    Raises ListenError (with a one-line reason) when there are none or one is unusable.
    """
    env = _take_environ()
    if "LISTEN_FDS" not in env:
        raise ListenError("no listening sockets: LISTEN_FDS is not set; run me under droverd")
    pid = env.get("LISTEN_PID")
    if pid is not None and pid != str(os.getpid()):
        raise ListenError(
            f"no listening sockets: LISTEN_PID={pid} is not this process ({os.getpid()}); run me under droverd"
        )
    try:
        count = int(env["LISTEN_FDS"])
    except ValueError:
        raise ListenError(f"no listening sockets: LISTEN_FDS={env['LISTEN_FDS']!r} is not a number") from None
    if count < 1:
        raise ListenError(f"no listening sockets: LISTEN_FDS={count}")

    names = env.get("LISTEN_FDNAMES", "").split(":") if env.get("LISTEN_FDNAMES") else []
    names += [""] * (count - len(names))

    sockets = []
    for fd in range(SD_LISTEN_FDS_START, SD_LISTEN_FDS_START + count):
        try:
            sock = socket.socket(fileno=fd)  # family, type and protocol are read from the fd
        except OSError as exc:
            raise ListenError(
                f"bad listening socket: fd {fd} from LISTEN_FDS is not a socket: {exc.strerror}"
            ) from None
        if sock.type != socket.SOCK_STREAM or not sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
            sock.detach()  # leave the fd alone
            raise ListenError(f"bad listening socket: fd {fd} from LISTEN_FDS is not a listening stream socket")
        # Subprocesses of the app must not keep our listeners alive after we retire.
        sock.set_inheritable(False)
        sockets.append(sock)
    return sockets, names[:count]


def describe(sock: socket.socket, *, tls: bool = False) -> str:
    """A short human-readable address, e.g. http://127.0.0.1:8000 (https:// with tls) or unix:/run/app.sock."""
    address = sock.getsockname()
    scheme = "https" if tls else "http"
    if sock.family == socket.AF_INET:
        return f"{scheme}://{address[0]}:{address[1]}"
    if sock.family == socket.AF_INET6:
        return f"{scheme}://[{address[0]}]:{address[1]}"
    if sock.family == socket.AF_UNIX:
        if isinstance(address, bytes):
            address = address.decode(errors="replace")
        if address.startswith("\0"):
            return "unix:@" + address[1:]
        return "unix:" + (address or "<unnamed>")
    return f"{sock.family.name}:{address}"
