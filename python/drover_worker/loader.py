"""Import the ASGI app ourselves, so that failures reach us as exceptions.

(uvicorn's own import path logs and calls sys.exit(1).)
"""

from __future__ import annotations

import importlib
import sys
from typing import Any


def load_app(spec: str, *, app_dir: str, factory: bool) -> Any:
    """Import ``module:attr.path`` with app_dir first on sys.path; call it if factory.

    Any exception (ImportError, SyntaxError, AttributeError, errors raised by the
    module or the factory) propagates to the caller unchanged.
    """
    module_name, _, attr_path = spec.partition(":")
    sys.path.insert(0, app_dir)
    obj: Any = importlib.import_module(module_name)
    for name in attr_path.split("."):
        obj = getattr(obj, name)
    if factory:
        obj = obj()
    if not callable(obj):
        raise TypeError(f"{spec} is a {type(obj).__name__}, not an ASGI application")
    return obj
