"""drover-worker: the Uvicorn worker launcher that droverd runs.

droverd binds the listening sockets, spawns ``drover-worker APP`` with the
sockets at fds 3, 4, ... (systemd's LISTEN_FDS convention) and supervises it
through sd_notify datagrams and a shared-memory heartbeat.  See README.md.
"""

__version__ = "0.1.0"  # droverd's (Sources/Shared/DroverVersion.swift); Tests/SharedTests/VersionTests checks it
