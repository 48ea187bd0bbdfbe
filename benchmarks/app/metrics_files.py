"""prometheus_client's multiprocess files for the metrics6000 scenario, three ways:

  metrics_files.py worker             a command worker of droverd: writes what one served request of
                                      an instrumented app leaves (a counter, a histogram, a livesum and
                                      a max gauge: 4 files) as itself, says STOPPING=1 and exits 0, so
                                      droverd replaces it at once and folds its files; with the file
                                      STOP_FILE present it stays alive instead (the churn is over).
  metrics_files.py write DIR N        the same files for N dead pids in DIR, written by one process
                                      (the history a Gunicorn app's directory keeps).
  metrics_files.py scrape DIR R       the library's own MultiProcessCollector + generate_latest over
                                      DIR, R times: prints the median milliseconds and the bytes."""

import os
import socket
import statistics
import sys
import time


def record(prometheus_client) -> None:
    requests = prometheus_client.Counter("app_requests", "Requests answered", ["path"], registry=None)
    duration = prometheus_client.Histogram("app_request_duration_seconds", "Time to answer", registry=None)
    in_flight = prometheus_client.Gauge("app_requests_in_flight", "In flight", multiprocess_mode="livesum",
                                        registry=None)
    largest = prometheus_client.Gauge("app_largest_worker_pid", "Largest pid", multiprocess_mode="max",
                                      registry=None)
    in_flight.inc()
    requests.labels("/").inc()
    duration.observe(0.002)
    largest.set(os.getpid())
    in_flight.dec()


def worker() -> None:
    import prometheus_client

    record(prometheus_client)
    if os.path.exists(os.environ["STOP_FILE"]):
        while True:
            time.sleep(3600)
    address = os.environ["NOTIFY_SOCKET"]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.sendto(b"STOPPING=1", "\0" + address[1:] if address.startswith("@") else address)


def write(directory: str, count: int) -> None:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    import prometheus_client
    from prometheus_client import values

    for pid in range(3_000_000, 3_000_000 + count):  # pids no process has here
        values.ValueClass = values.MultiProcessValue(lambda pid=pid: pid)
        os.getpid = lambda pid=pid: pid  # largest.set(os.getpid()) writes this dead pid's value
        record(prometheus_client)


def scrape(directory: str, repeats: int) -> None:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    from prometheus_client import CollectorRegistry, generate_latest, multiprocess

    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
        times.append((time.perf_counter() - start) * 1000)
    print(f"{statistics.median(times):.3f} {len(body)}")


if __name__ == "__main__":
    if sys.argv[1] == "worker":
        worker()
    elif sys.argv[1] == "write":
        write(sys.argv[2], int(sys.argv[3]))
    else:
        scrape(sys.argv[2], int(sys.argv[3]))
