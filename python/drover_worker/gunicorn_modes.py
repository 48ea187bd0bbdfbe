"""The launcher's Gunicorn-config options: the two modes without APP, and the worker's flags.

``--read-config FILE --result-fd N`` (gunicorn_config.main) and ``--hook-runner FILE
--channel-fd N`` (hook_runner.main) are dispatched by run_mode() before the worker's
parser sees the arguments.  add_arguments() lists them in ``drover-worker --help``
(where giving one of them is an error) next to the worker's --gunicorn-config and
--worker-hooks.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from .worker_hooks import hook_list

MODES = ("--read-config", "--hook-runner")


def mode_of(argv: Sequence[str]) -> str | None:
    """The mode option ARGV asks for, if any (``--read-config`` / ``--hook-runner``, also ``=VALUE``)."""
    for arg in argv:
        for mode in MODES:
            if arg == mode or arg.startswith(mode + "="):
                return mode
    return None


def run_mode(argv: Sequence[str]) -> int | None:
    """Run the mode ARGV asks for and return its exit status; None for the normal worker."""
    mode = mode_of(argv)
    if mode == "--read-config":
        from .gunicorn_config import main

        return main(argv)
    if mode == "--hook-runner":
        from .hook_runner import main

        return main(argv)
    return None


class ModeOnly(argparse.Action):
    """An option of the APP-less modes, listed in the worker's --help: reaching the worker's parser is an error."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        if option_string == "--template":
            parser.error("--template must be the first argument")
        mode = "--hook-runner FILE" if option_string == "--channel-fd" else "--read-config FILE"
        parser.error(f"{option_string} goes with {mode}, which takes no APP")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --gunicorn-config and --worker-hooks, and list the modes' options, to the worker's parser."""
    parser.add_argument(
        "--gunicorn-config",
        default=None,
        metavar="FILE",
        help="the Gunicorn config file in use (droverd passes it; run only for --worker-hooks)",
    )
    parser.add_argument(
        "--worker-hooks",
        type=hook_list,
        default=None,
        metavar="LIST",
        help="comma-separated worker-side hooks of --gunicorn-config to call "
        "(post_fork, post_worker_init, worker_int, worker_abort, worker_exit)",
    )
    modes = parser.add_argument_group("modes without APP (droverd runs them for a Gunicorn config file)")
    modes.add_argument(
        "--read-config",
        action=ModeOnly,
        metavar="FILE",
        help="run FILE as Gunicorn 27 does and write its settings, hooks and unknown names as JSON to --result-fd",
    )
    modes.add_argument("--result-fd", action=ModeOnly, metavar="N", help="with --read-config: the fd for the JSON")
    modes.add_argument(
        "--hook-runner",
        action=ModeOnly,
        metavar="FILE",
        help="run FILE's master-side hooks on droverd's requests, JSON lines on --channel-fd",
    )
    modes.add_argument("--channel-fd", action=ModeOnly, metavar="N", help="with --hook-runner: droverd's socket")
