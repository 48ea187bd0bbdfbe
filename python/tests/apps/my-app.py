"""A module name with a hyphen (my-app), importable by importlib as Gunicorn imports it."""

from raw import app  # noqa: F401
