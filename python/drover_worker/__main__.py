"""Entry point: ``drover-worker`` / ``python -m drover_worker``.

faulthandler is enabled before anything else is imported, so that the SIGABRT
droverd sends to a worker whose event loop is blocked prints every thread's
Python stack on stderr.
"""

import faulthandler
import sys


def main() -> None:
    faulthandler.enable(file=sys.stderr, all_threads=True)
    try:
        from .gunicorn_modes import run_mode

        status = run_mode(sys.argv[1:])  # --read-config / --hook-runner: no APP
        if status is None:
            from .worker import run

            status = run(sys.argv[1:])
    except KeyboardInterrupt:  # SIGINT before serving started
        status = 130
    sys.exit(status)


if __name__ == "__main__":
    main()
