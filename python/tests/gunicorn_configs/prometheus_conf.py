# Gunicorn config for prometheus_client's multiprocess mode, as projects write it
# (after prometheus_client's "Multiprocess Mode (E.g. Gunicorn)" documentation).
import os
import shutil

from prometheus_client import multiprocess

bind = "0.0.0.0:8000"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "uvicorn.workers.UvicornWorker"


def on_starting(server):
    """Start every run with an empty metrics directory: a previous run's files would be summed in."""
    path = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    if os.path.isdir(path):
        shutil.rmtree(path)
    os.makedirs(path)
    server.log.info("Cleared the Prometheus multiprocess directory %s", path)


def child_exit(server, worker):
    multiprocess.mark_process_dead(worker.pid)
