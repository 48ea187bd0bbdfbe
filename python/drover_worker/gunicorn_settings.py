"""Gunicorn 27.0.1's settings as data: names, hook names, defaults, and its value conversions.

Copied from ``gunicorn.config.KNOWN_SETTINGS`` (Gunicorn is not a dependency of the
launcher; tests/test_gunicorn_config.py compares this table with it when Gunicorn is
importable).  Each entry is ``name: (kind, default)``, in KNOWN_SETTINGS order:

* kind names Gunicorn's validator: ``string``, ``int``, ``bool``, ``list`` (a list of
  strings; a lone string becomes a one-element list), ``csv`` (a comma-separated string
  becomes a list), ``protocols``, ``dict``, ``class``, ``user``, ``group``, ``chdir``,
  ``hook`` (a callable) or ``any`` (kept as it is);
* default is the value Gunicorn starts from, before its validator; ``DYNAMIC`` for the
  defaults Gunicorn computes from the environment (see default_value()); None for hooks,
  whose defaults are no-ops.
"""

from __future__ import annotations

import os
from typing import Any

DYNAMIC = object()

SETTINGS: dict[str, tuple[str, Any]] = {
    "config": ("string", "./gunicorn.conf.py"),
    "wsgi_app": ("string", None),
    "bind": ("list", DYNAMIC),
    "backlog": ("int", 2048),
    "workers": ("int", DYNAMIC),
    "worker_class": ("class", "sync"),
    "threads": ("int", 1),
    "worker_connections": ("int", 1000),
    "max_requests": ("int", 0),
    "max_requests_jitter": ("int", 0),
    "timeout": ("int", 30),
    "graceful_timeout": ("int", 30),
    "keepalive": ("int", 2),
    "limit_request_line": ("int", 4094),
    "limit_request_fields": ("int", 100),
    "limit_request_field_size": ("int", 8190),
    "reload": ("bool", False),
    "reload_engine": ("string", "auto"),
    "reload_extra_files": ("list", []),
    "spew": ("bool", False),
    "check_config": ("bool", False),
    "print_config": ("bool", False),
    "preload_app": ("bool", False),
    "sendfile": ("bool", None),
    "reuse_port": ("bool", False),
    "chdir": ("chdir", DYNAMIC),
    "daemon": ("bool", False),
    "raw_env": ("list", []),
    "pidfile": ("string", None),
    "worker_tmp_dir": ("string", None),
    "user": ("user", DYNAMIC),
    "group": ("group", DYNAMIC),
    "umask": ("int", 0),
    "initgroups": ("bool", False),
    "tmp_upload_dir": ("string", None),
    "secure_scheme_headers": (
        "dict",
        {"X-FORWARDED-PROTOCOL": "ssl", "X-FORWARDED-PROTO": "https", "X-FORWARDED-SSL": "on"},
    ),
    "forwarded_allow_ips": ("csv", DYNAMIC),
    "accesslog": ("string", None),
    "disable_redirect_access_to_syslog": ("bool", False),
    "access_log_format": ("string", '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'),
    "errorlog": ("string", "-"),
    "loglevel": ("string", "info"),
    "capture_output": ("bool", False),
    "logger_class": ("class", "gunicorn.glogging.Logger"),
    "logconfig": ("string", None),
    "logconfig_dict": ("dict", {}),
    "logconfig_json": ("string", None),
    "syslog_addr": ("string", "udp://localhost:514"),
    "syslog": ("bool", False),
    "syslog_prefix": ("string", None),
    "syslog_facility": ("string", "user"),
    "enable_stdio_inheritance": ("bool", False),
    "statsd_host": ("string", None),
    "dogstatsd_tags": ("string", ""),
    "statsd_prefix": ("string", ""),
    "enable_backlog_metric": ("bool", False),
    "proc_name": ("string", None),
    "default_proc_name": ("string", "gunicorn"),
    "pythonpath": ("string", None),
    "paste": ("string", None),
    "on_starting": ("hook", None),
    "on_reload": ("hook", None),
    "when_ready": ("hook", None),
    "pre_fork": ("hook", None),
    "post_fork": ("hook", None),
    "post_worker_init": ("hook", None),
    "worker_int": ("hook", None),
    "worker_abort": ("hook", None),
    "pre_exec": ("hook", None),
    "pre_request": ("hook", None),
    "post_request": ("hook", None),
    "child_exit": ("hook", None),
    "worker_exit": ("hook", None),
    "nworkers_changed": ("hook", None),
    "on_exit": ("hook", None),
    "ssl_context": ("hook", None),
    "proxy_protocol": ("any", "off"),
    "proxy_allow_ips": ("csv", "127.0.0.1,::1"),
    "protocol": ("string", "http"),
    "uwsgi_allow_ips": ("csv", "127.0.0.1,::1"),
    "keyfile": ("string", None),
    "certfile": ("string", None),
    "ssl_version": ("any", 2),
    "cert_reqs": ("int", 0),
    "ca_certs": ("string", None),
    "suppress_ragged_eofs": ("bool", True),
    "do_handshake_on_connect": ("bool", False),
    "ciphers": ("string", None),
    "http_protocols": ("protocols", "h1"),
    "http2_cleartext": ("any", "off"),
    "http2_max_concurrent_streams": ("int", 100),
    "http2_initial_window_size": ("int", 65535),
    "http2_max_frame_size": ("int", 16384),
    "http2_max_header_list_size": ("int", 65536),
    "raw_paste_global_conf": ("list", []),
    "permit_obsolete_folding": ("bool", False),
    "strip_header_spaces": ("bool", False),
    "permit_unconventional_http_method": ("bool", False),
    "permit_unconventional_http_version": ("bool", False),
    "casefold_http_method": ("bool", False),
    "forwarder_headers": ("csv", "SCRIPT_NAME,PATH_INFO"),
    "header_map": ("any", "drop"),
    "asgi_loop": ("any", "auto"),
    "asgi_lifespan": ("any", "auto"),
    "asgi_disconnect_grace_period": ("int", 3),
    "websocket_max_message_size": ("int", 16777216),
    "http_parser": ("any", "auto"),
    "root_path": ("string", ""),
    "dirty_apps": ("list", []),
    "dirty_workers": ("int", 0),
    "dirty_timeout": ("int", 300),
    "dirty_threads": ("int", 1),
    "dirty_graceful_timeout": ("int", 30),
    "on_dirty_starting": ("hook", None),
    "dirty_post_fork": ("hook", None),
    "dirty_worker_init": ("hook", None),
    "dirty_worker_exit": ("hook", None),
    "control_socket": ("string", DYNAMIC),
    "control_socket_mode": ("int", 384),
    "control_socket_disable": ("bool", False),
}

#: Every setting whose value is a callable: Gunicorn's server hooks.
HOOKS: tuple[str, ...] = tuple(name for name, (kind, _) in SETTINGS.items() if kind == "hook")
#: The hooks Gunicorn's master (arbiter) calls: droverd calls them through the hook runner.
MASTER_HOOKS = ("on_starting", "when_ready", "on_reload", "pre_fork", "child_exit", "nworkers_changed", "on_exit")
#: The hooks Gunicorn calls inside a worker: the launcher calls them (--worker-hooks).
WORKER_HOOKS = ("post_fork", "post_worker_init", "worker_int", "worker_abort", "worker_exit")


def default_value(name: str) -> Any:
    """Gunicorn's default for the setting NAME, as its Config returns it (after the validator)."""
    kind, default = SETTINGS[name]
    if default is not DYNAMIC:
        return normalise(name, default)
    if name == "bind":
        port = os.environ.get("PORT")
        return [f"0.0.0.0:{port}"] if port is not None else ["127.0.0.1:8000"]
    if name == "workers":
        return normalise(name, os.environ.get("WEB_CONCURRENCY", "1"))
    if name == "chdir":
        return os.getcwd()
    if name == "user":
        return os.geteuid()
    if name == "group":
        return os.getegid()
    if name == "forwarded_allow_ips":
        return normalise(name, os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"))
    if name == "control_socket":
        runtime = os.environ.get("XDG_RUNTIME_DIR")
        if runtime and os.path.isdir(runtime):
            return os.path.join(runtime, "gunicorn.ctl")
        return os.path.join(os.path.expanduser("~"), ".gunicorn", "gunicorn.ctl")
    raise AssertionError(f"no dynamic default for {name}")  # pragma: no cover


def as_list(value: Any) -> Any:
    """Gunicorn's validate_list_string: falsy gives [], a string [string], an iterable a list.

    Strings are stripped, as Gunicorn does; anything it would reject is returned unchanged.
    """
    if not value:
        return []
    if isinstance(value, str):
        return [value.strip()]
    if isinstance(value, (list, tuple)):
        return [item.strip() if isinstance(item, str) else item for item in value]
    return value


def normalise(name: str, value: Any) -> Any:
    """The value as Gunicorn's validator for NAME returns it, when the conversion is harmless.

    Values the validator would reject are returned unchanged (droverd reports them).
    """
    kind = SETTINGS[name][0]
    try:
        if kind == "list":
            return as_list(value)
        if kind == "csv" and isinstance(value, str):
            return [part.strip() for part in value.split(",") if part]
        if kind == "protocols" and isinstance(value, str):
            return [part.strip().lower() for part in value.split(",") if part.strip()] or ["h1"]
        if kind == "int" and isinstance(value, (str, bool)):
            return int(value, 0) if isinstance(value, str) else int(value)
        if kind == "bool" and isinstance(value, str) and value.lower().strip() in ("true", "false"):
            return value.lower().strip() == "true"
        if kind in ("user", "group"):
            return _id(kind, value)
        if kind == "chdir" and isinstance(value, str):
            return os.path.abspath(os.path.normpath(os.path.join(os.getcwd(), value.strip())))
        if kind == "string" and isinstance(value, str):
            return value.strip()
    except (ValueError, KeyError):
        pass
    return value


def _id(kind: str, value: Any) -> Any:
    """validate_user / validate_group: None is the effective id, a name is looked up."""
    if value is None:
        return os.geteuid() if kind == "user" else os.getegid()
    if isinstance(value, str):
        if value.isdigit():
            return int(value)
        import grp
        import pwd

        return pwd.getpwnam(value).pw_uid if kind == "user" else grp.getgrnam(value).gr_gid
    return value
