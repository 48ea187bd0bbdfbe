"""Import the ASGI app ourselves, so that failures reach us as exceptions.

(uvicorn's own import path logs and calls sys.exit(1).)
"""

from __future__ import annotations

import importlib
import sys
from typing import Any, NamedTuple


class AppSpec(NamedTuple):
    module: str
    attributes: list[str]
    called: bool  # written module:create_app(), Gunicorn style: the attribute is a factory


def parse_app_spec(value: str) -> AppSpec:
    """Split ``module:attr.path`` or ``module:attr.path()``; ValueError (with a reason) otherwise.

    The module need not be an identifier (see is_module_name); the attribute path must be.

    Arguments inside the parentheses (Gunicorn evaluates them) are not supported.
    """
    module, sep, attr = value.partition(":")
    called = False
    if attr.endswith(")") and "(" in attr:
        attr, _, inside = attr[:-1].partition("(")
        if inside.strip():
            raise ValueError(
                f"APP {value!r}: arguments to the app factory are not supported; "
                f"write '{module}:{attr}()' for a factory that takes no arguments"
            )
        called = True
    parts = attr.split(".")
    if not sep or not is_module_name(module) or not all(part.isidentifier() for part in parts):
        raise ValueError(f"expected APP as 'module:attribute' or 'module:factory()', got {value!r}")
    return AppSpec(module, parts, called)


def is_module_name(module: str) -> bool:
    """A module as importlib imports it from a file name, as Gunicorn takes it: dotted parts, each a
    non-empty run of letters, digits, ``_`` and ``-`` (``07_demo``, ``my-app``, ``pkg.2nd``).

    The same rule as droverd's (Sources/Configuration/ValueParser.swift).
    """
    return all(part and all(ch.isalnum() or ch in "_-" for ch in part) for part in module.split("."))


# The app a template loaded with --preload (template.py), for the workers it forks: (spec, app_dir, factory), app.
_preloaded: tuple[tuple[str, str, bool], Any] | None = None


def preload_app(spec: str, *, app_dir: str, factory: bool) -> Any:
    """load_app(), keeping the app for the load_app() calls of the processes forked from this one."""
    global _preloaded
    app = load_app(spec, app_dir=app_dir, factory=factory)
    _preloaded = (spec, app_dir, factory), app
    return app


def load_app(spec: str, *, app_dir: str, factory: bool) -> Any:
    """Import ``module:attr.path`` with app_dir on sys.path (put first unless it is there already, as Gunicorn);
    call it if factory or ``module:attr()``.  In a worker forked from a template that preloaded the same
    spec, app_dir and factory, the template's app is returned instead (as Gunicorn's preload_app).

    Any exception (ImportError, SyntaxError, AttributeError, errors raised by the
    module or the factory) propagates to the caller unchanged.
    """
    if _preloaded is not None and _preloaded[0] == (spec, app_dir, factory):
        return _preloaded[1]
    parsed = parse_app_spec(spec)
    if app_dir not in sys.path:  # as Gunicorn: --pythonpath directories stay in front of it
        sys.path.insert(0, app_dir)
    obj: Any = importlib.import_module(parsed.module)
    for name in parsed.attributes:
        obj = getattr(obj, name)
    if factory or parsed.called:
        obj = obj()
    if not callable(obj):
        raise TypeError(f"{spec} is a {type(obj).__name__}, not an ASGI application")
    return obj
