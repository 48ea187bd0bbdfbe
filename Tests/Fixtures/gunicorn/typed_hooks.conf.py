"""A gunicorn.conf.py in the shape many projects use (type-annotated hooks that log through
server.log, a readiness file written from when_ready, preload, a Unix socket), written for the
tests: droverd must run it unchanged. Paths come from the environment the test sets."""

import os

from gunicorn.arbiter import Arbiter
from gunicorn.workers.base import Worker

bind = "unix:" + os.environ["TEST_SOCKET"]
workers = 2
worker_class = "uvicorn.workers.UvicornWorker"
preload_app = True
timeout = 60
keepalive = 5
errorlog = "-"
accesslog = "-"
loglevel = "info"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'


def when_ready(server: Arbiter) -> None:
    server.log.info("Server is ready. Spawning workers")
    open(os.environ["TEST_READY_FILE"], "w").close()


def pre_fork(server: Arbiter, worker: Worker) -> None:
    pass


def post_fork(server: Arbiter, worker: Worker) -> None:
    server.log.info("Worker spawned (pid: %s)", worker.pid)


def pre_exec(server: Arbiter) -> None:
    server.log.info("Forked child, re-executing.")


def worker_abort(worker: Worker) -> None:
    worker.log.info("worker received SIGABRT signal")
