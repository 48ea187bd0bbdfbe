"""Reading a Gunicorn config file the way Gunicorn 27 does (``drover-worker --read-config``).

Gunicorn (``gunicorn/app/base.py``, ``Application.get_config_from_filename``) runs the
file as a module named ``__config__`` (``.py``/``.pyc`` through the usual loaders, any
other name through a SourceFileLoader, with a warning) and then applies every top-level
name that is a setting (``vars(module)``, exact lowercase names); it ignores the rest.

execute() runs the file, describe() sorts its names into settings, hooks and unknown
names, and main() is the ``--read-config FILE --result-fd N`` mode: what the file prints
goes to the real stdout/stderr, and one JSON object goes to fd N::

    {"settings": {...}, "hooks": [...], "unknown": [...], "error": null}

On failure ``error`` is ``{"message": "FILE:LINE: Type: text", "traceback": "..."}``
(settings, hooks and unknown empty) and the exit status is 1.
"""

from __future__ import annotations

import argparse
import contextlib
import enum
import importlib.machinery
import importlib.util
import inspect
import json
import math
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from types import ModuleType, TracebackType
from typing import Any

from .gunicorn_settings import SETTINGS, as_list

MODULE_NAME = "__config__"


class ConfigFileError(Exception):
    """The config file could not be run: a one-line message and the traceback text."""

    def __init__(self, message: str, traceback_text: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.traceback = traceback_text


def warn(message: str) -> None:
    """gunicorn.util.warn: the message framed by ``!!!`` lines on stderr."""
    print("!!!", file=sys.stderr)
    for i, line in enumerate(message.splitlines()):
        print(f"!!! {'WARNING: ' + line if i == 0 else line}", file=sys.stderr)
    print("!!!\n", file=sys.stderr)
    sys.stderr.flush()


@contextlib.contextmanager
def stdout_discarded() -> Iterator[None]:
    """Point fd 1 (and so sys.stdout, and what child processes inherit) at /dev/null meanwhile."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no stdout at all: nothing to discard
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def put_cwd_on_path() -> None:
    """Gunicorn's chdir(): the app directory (cwd by default) first on sys.path, once."""
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)


def execute(path: str, *, discard_stdout: bool = False, warn_extension: bool = True) -> dict[str, Any]:
    """Run the config file at PATH as Gunicorn does and return its namespace (``vars(module)``).

    Raises ConfigFileError for a missing file, a syntax error or any exception the file raises
    (SystemExit included).
    """
    if not os.path.exists(path):
        raise ConfigFileError(f"{path}: doesn't exist")
    if os.path.splitext(path)[1] in (".py", ".pyc"):
        spec = importlib.util.spec_from_file_location(MODULE_NAME, path)
    else:
        if warn_extension:
            warn("configuration file should have a valid Python extension.\n")
        loader = importlib.machinery.SourceFileLoader(MODULE_NAME, path)
        spec = importlib.util.spec_from_file_location(MODULE_NAME, path, loader=loader)
    if spec is None or spec.loader is None:  # pragma: no cover - a path always gets a spec
        raise ConfigFileError(f"{path}: cannot be loaded as a Python file")
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules[MODULE_NAME] = module
    try:
        with stdout_discarded() if discard_stdout else contextlib.nullcontext():
            spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:
        raise failure(path, exc) from None
    return vars(module)


def _same_file(a: str, b: str) -> bool:
    return os.path.abspath(a) == os.path.abspath(b)


def failure(path: str, exc: BaseException) -> ConfigFileError:
    """ConfigFileError for EXC raised while running PATH: ``PATH:LINE: Type: text`` and the traceback.

    LINE is the deepest traceback frame inside PATH, or a SyntaxError's own line in PATH.
    """
    name = type(exc).__name__
    tb: TracebackType | None = exc.__traceback__
    first_in_file: TracebackType | None = None
    line: int | None = None
    while tb is not None:
        if _same_file(tb.tb_frame.f_code.co_filename, path):
            first_in_file = first_in_file or tb
            line = tb.tb_lineno
        tb = tb.tb_next
    trace = "".join(traceback.format_exception(type(exc), exc, first_in_file or exc.__traceback__))
    if isinstance(exc, SyntaxError) and exc.filename and _same_file(exc.filename, path):
        line, text = exc.lineno, f"{name}: {exc.msg}"
        trace = "".join(traceback.format_exception_only(type(exc), exc))  # no importlib frames
    else:
        text = traceback.format_exception_only(type(exc), exc)[-1].strip()
        if isinstance(exc, SyntaxError):
            text = f"{name}: {exc}"  # in another file: str() names it
    text = " ".join(text.split("\n"))
    where = f"{path}:{line}" if line is not None else path
    return ConfigFileError(f"{where}: {text}", trace)


def resolve_hook(name: str, value: Any) -> Callable[..., Any]:
    """A hook setting's value as Gunicorn's validate_callable takes it: a callable, or 'module.attr'."""
    if isinstance(value, str):
        module_name, _, attribute = value.rpartition(".")
        if not module_name:
            raise TypeError(f"Value '{value}' is not import string. Format: module[.submodules...].object")
        try:
            value = getattr(__import__(module_name, fromlist=[attribute]), attribute)
        except ImportError as exc:
            raise TypeError(str(exc)) from None
        except AttributeError:
            raise TypeError(f"Can not load '{attribute}' from '{module_name}'") from None
    if not callable(value):
        raise TypeError(f"Value is not callable: {value}")
    return value


def hooks_of(path: str, namespace: dict[str, Any]) -> dict[str, Callable[..., Any]]:
    """The hooks the namespace defines (callables or import strings), resolved; ConfigFileError if one is not."""
    hooks = {}
    for name, value in namespace.items():
        if name in SETTINGS and SETTINGS[name][0] == "hook" and (callable(value) or isinstance(value, str)):
            try:
                hooks[name] = resolve_hook(name, value)
            except Exception as exc:
                raise ConfigFileError(f"{path}: {name}: {type(exc).__name__}: {exc}") from None
    return hooks


def to_json(value: Any) -> Any:
    """A value as JSON can carry it: enums with an int value as that int, others as str()."""
    if isinstance(value, enum.Enum):
        return int(value.value) if isinstance(value.value, int) else str(value)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {key if isinstance(key, str) else str(key): to_json(item) for key, item in value.items()}
    return str(value)


def _ignored_silently(name: str, value: Any) -> bool:
    """Names Gunicorn ignores that are not worth reporting: private, modules, classes, functions."""
    return name.startswith("_") or inspect.ismodule(value) or inspect.isclass(value) or inspect.isroutine(value)


def describe(path: str, namespace: dict[str, Any]) -> dict[str, Any]:
    """Sort the namespace into settings (JSON values), hooks (names), Drover's own names
    (``drover_*``: JSON values; Gunicorn ignores them) and unknown (names)."""
    settings: dict[str, Any] = {}
    drover: dict[str, Any] = {}
    unknown = []
    hooks = hooks_of(path, namespace)
    for name, value in namespace.items():
        if name in hooks:
            continue
        if name in SETTINGS:
            settings[name] = to_json(as_list(value) if SETTINGS[name][0] == "list" else value)
        elif name.startswith("drover_") and not _ignored_silently(name, value):
            drover[name] = to_json(value)
        elif not _ignored_silently(name, value):
            unknown.append(name)
    return {"settings": settings, "hooks": sorted(hooks), "drover": drover, "unknown": sorted(unknown), "error": None}


def result_stream(parser: argparse.ArgumentParser, option: str, fd: int) -> int:
    """Check that FD is open; make it non-inheritable (a child the file starts must not hold it)."""
    try:
        os.fstat(fd)
        os.set_inheritable(fd, False)
    except OSError:
        parser.exit(2, f"drover-worker: {option} {fd}: not an open file descriptor\n")
    return fd


def fd_number(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a file descriptor number: {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"not a file descriptor number: {value!r}")
    return number


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def main(argv: Sequence[str]) -> int:
    """``drover-worker --read-config FILE --result-fd N``: 0 after writing the result, 1 on failure."""
    parser = argparse.ArgumentParser(
        prog="drover-worker --read-config", description="Read a Gunicorn config file as Gunicorn 27 does."
    )
    parser.add_argument("--read-config", required=True, metavar="FILE", help="the config file")
    parser.add_argument("--result-fd", required=True, type=fd_number, metavar="N", help="where the JSON goes")
    args = parser.parse_args(argv)
    fd = result_stream(parser, "--result-fd", args.result_fd)

    put_cwd_on_path()
    try:
        result = describe(args.read_config, execute(args.read_config))
        status = 0
    except ConfigFileError as exc:
        error = {"message": exc.message, "traceback": exc.traceback}
        result = {"settings": {}, "hooks": [], "unknown": [], "error": error}
        status = 1
    write_all(fd, (json.dumps(result) + "\n").encode())
    os.close(fd)
    return status
