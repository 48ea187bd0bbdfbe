"""Process settings from Gunicorn: --user/--group/--initgroups/--umask, --pythonpath, --proc-name.

Privileges are dropped after the inherited sockets, the heartbeat memfd, the notify
socket and the log files are open, and before the app is imported, as a Gunicorn
worker does in init_process() (gunicorn.util.set_owner_process):

* supplementary groups: with --initgroups those of the user in /etc/group (plus the
  group), otherwise just the group.  (Gunicorn leaves root's supplementary groups in
  place without --initgroups, and skips setgid() with it; we do neither.)
* then setgid(group), then setuid(user).
--group without --user changes only the group; --user without --group keeps the
current group, as Gunicorn (whose group defaults to os.getegid()).

--umask is accepted and checked as Gunicorn's (an int, "0o22", or "022" read as octal)
but, as in Gunicorn, does not change the worker's umask: Gunicorn applies it only to the
Unix sockets and temporary files it creates itself, which droverd creates here.
"""

from __future__ import annotations

import argparse
import grp
import os
import pwd
import re
import sys
from dataclasses import dataclass


def user_id(value: str) -> int:
    """Gunicorn's validate_user: a number, or a name looked up in the password database."""
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        return pwd.getpwnam(value).pw_uid
    except KeyError:
        raise argparse.ArgumentTypeError(f"No such user: '{value}'") from None


def group_id(value: str) -> int:
    """Gunicorn's validate_group: a number, or a name looked up in the group database."""
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        return grp.getgrnam(value).gr_gid
    except KeyError:
        raise argparse.ArgumentTypeError(f"No such group: '{value}'") from None


def umask(value: str) -> int:
    """Gunicorn's auto_int: '022' is octal as in C, '0o22' and '18' are Python integers."""
    text = value.strip()
    if re.match(r"0(\d)", text):
        text = text.replace("0", "0o", 1)
    try:
        number = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {value!r}") from None
    if not 0 <= number <= 0o777:
        raise argparse.ArgumentTypeError(f"must be between 0 and 0o777, got {value!r}")
    return number


@dataclass(frozen=True)
class Owner:
    """The user and group to run as; None keeps the current one."""

    uid: int | None = None
    gid: int | None = None
    initgroups: bool = False

    @property
    def changes(self) -> bool:
        return self.uid is not None or self.gid is not None

    def apply(self) -> None:
        """Drop to this user and group; OSError (e.g. EPERM when not root) if the system refuses."""
        uid = os.getuid() if self.uid is None else self.uid
        gid = os.getgid() if self.gid is None else self.gid
        if os.geteuid() == 0:  # only root may set its groups
            name = _user_name(uid)
            if self.initgroups and name is not None:
                os.initgroups(name, gid)
            else:
                os.setgroups([gid])
        if gid != os.getgid() or gid != os.getegid():
            os.setgid(gid)
        if uid != os.getuid() or uid != os.geteuid():
            os.setuid(uid)


def _user_name(uid: int) -> str | None:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return None


def add_python_path(value: str) -> None:
    """Gunicorn's pythonpath: comma-separated directories, each made absolute and put first on sys.path."""
    for path in value.split(","):
        absolute = os.path.abspath(path)
        if absolute not in sys.path:
            sys.path.insert(0, absolute)


def set_proc_name(name: str) -> bool:
    """Set the process title with setproctitle if it is installed; False if it is not."""
    try:
        from setproctitle import setproctitle  # type: ignore[import-not-found]
    except ImportError:
        return False
    setproctitle(name)
    return True
