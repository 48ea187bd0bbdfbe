"""A module whose name is not a Python identifier (07_app), as Gunicorn imports it: the raw test app."""

from raw import app, create_app  # noqa: F401
