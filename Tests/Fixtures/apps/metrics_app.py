"""The app-metrics tests' app: prometheus_client in multiprocess mode as its documentation shows
it, with nothing of its own to set up (droverd exports PROMETHEUS_MULTIPROC_DIR), and a counter,
a histogram and gauges in several modes."""

import os
import time

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter("app_requests", "Requests answered", ["path"])
DURATION = Histogram("app_request_duration_seconds", "Time to answer a request", buckets=[0.001, 0.01, 0.1, 1])
IN_FLIGHT = Gauge("app_requests_in_flight", "Requests being answered", multiprocess_mode="livesum")
LARGEST_PID = Gauge("app_largest_worker_pid", "The largest worker pid so far", multiprocess_mode="max")
STARTED = Gauge("app_worker_started_seconds", "When the last worker started", multiprocess_mode="mostrecent")
WORKER = Gauge("app_worker_pid", "Each live worker's pid", multiprocess_mode="liveall")


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                LARGEST_PID.set(os.getpid())
                STARTED.set(time.time())
                WORKER.set(os.getpid())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    with IN_FLIGHT.track_inprogress():
        start = time.perf_counter()
        # Counted before the answer goes: a client that has its answer finds it in the files.
        REQUESTS.labels(scope["path"]).inc()
        DURATION.observe(time.perf_counter() - start)
        body = f"{os.getpid()}\n".encode()
        headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
