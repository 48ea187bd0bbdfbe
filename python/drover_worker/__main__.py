"""Entry point: ``drover-worker`` / ``python -m drover_worker``.

faulthandler is enabled before anything else is imported, so that the SIGABRT
droverd sends to a worker whose event loop is blocked prints every thread's
Python stack on stderr.

``DROVER_TEMPLATE_FD`` in the environment (droverd's way), or ``--template`` as the first argument,
runs the fork server of template.py: serve() returns
the template's exit status, or, in each worker it forks, that worker's argv, which is
then run here exactly as an exec'd worker's.
"""

import faulthandler
import os
import sys
from collections.abc import Sequence


def main() -> None:
    faulthandler.enable(file=sys.stderr, all_threads=True)
    try:
        status = _run(sys.argv[1:])
    except KeyboardInterrupt:  # SIGINT before serving started
        status = 130
    except Exception as exc:
        if not interrupted(exc):
            raise
        status = 130  # the same, wrapped: Python 3.11 turns it into a RuntimeError inside __set_name__
    sys.exit(status)


def interrupted(exc: BaseException) -> bool:
    """Whether a KeyboardInterrupt caused `exc` (its __cause__ or __context__ chain)."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _run(argv: Sequence[str]) -> int:
    if argv[:1] == ["--template"] or "DROVER_TEMPLATE_FD" in os.environ:
        from .template import serve

        outcome = serve(argv[1:] if argv[:1] == ["--template"] else argv)
        if isinstance(outcome, int):
            return outcome
        argv = outcome[1:]  # a worker forked by the template (sys.argv is its argv)
    else:
        from .gunicorn_modes import run_mode

        status = run_mode(argv)  # --read-config / --hook-runner: no APP
        if status is not None:
            return status
    from .worker import run

    return run(argv)


if __name__ == "__main__":
    main()
