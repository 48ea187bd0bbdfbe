import json
import math
import multiprocessing
import os


# The one deliberate difference from the seed image's /gunicorn_conf.py: `cores` counts the CPUs
# this container may use -- its affinity mask (`--cpuset-cpus`) and its cgroup CPU quota
# (`--cpus`: v2 cpu.max, v1 cpu.cfs_quota_us / cpu.cfs_period_us, the tightest along the cgroup's
# path), rounded up -- not the host's CPUs (multiprocessing.cpu_count()), which gave a 64-core
# node's container 64 workers. droverd counts CPUs the same way.
def _usable_cpus():
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = multiprocessing.cpu_count()

    def numbers(path):
        try:
            with open(path) as file:
                return [int(field) for field in file.read().split()]
        except (OSError, ValueError):  # missing, or "max" (no limit)
            return None

    def ancestors(root, path):
        parts = [part for part in path.split("/") if part]
        return [os.path.join(root, *parts[:length]) for length in range(len(parts), -1, -1)]

    quotas = []
    try:
        with open("/proc/self/cgroup") as file:
            lines = file.read().splitlines()
    except OSError:
        lines = []
    for line in lines:
        number, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if number == "0" and not controllers:  # cgroup v2: cpu.max is "QUOTA PERIOD" or "max PERIOD"
            for root in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified"):
                for directory in ancestors(root, path):
                    fields = numbers(os.path.join(directory, "cpu.max"))
                    if fields and len(fields) == 2 and fields[0] > 0 and fields[1] > 0:
                        quotas.append(fields[0] / fields[1])
        elif "cpu" in controllers.split(","):  # cgroup v1: a quota of -1 is no limit
            for root in ("/sys/fs/cgroup/" + controllers, "/sys/fs/cgroup/cpu"):
                for directory in ancestors(root, path):
                    quota = numbers(os.path.join(directory, "cpu.cfs_quota_us"))
                    period = numbers(os.path.join(directory, "cpu.cfs_period_us"))
                    if quota and period and quota[0] > 0 and period[0] > 0:
                        quotas.append(quota[0] / period[0])
    if quotas:
        cpus = min(cpus, math.ceil(min(quotas)))
    return max(cpus, 1)


workers_per_core_str = os.getenv("WORKERS_PER_CORE", "1")
max_workers_str = os.getenv("MAX_WORKERS")
use_max_workers = None
if max_workers_str:
    use_max_workers = int(max_workers_str)
web_concurrency_str = os.getenv("WEB_CONCURRENCY", None)

host = os.getenv("HOST", "0.0.0.0")
port = os.getenv("PORT", "80")
bind_env = os.getenv("BIND", None)
use_loglevel = os.getenv("LOG_LEVEL", "info")
if bind_env:
    use_bind = bind_env
else:
    use_bind = f"{host}:{port}"

cores = _usable_cpus()
workers_per_core = float(workers_per_core_str)
default_web_concurrency = workers_per_core * cores
if web_concurrency_str:
    web_concurrency = int(web_concurrency_str)
    assert web_concurrency > 0
else:
    web_concurrency = max(int(default_web_concurrency), 2)
    if use_max_workers:
        web_concurrency = min(web_concurrency, use_max_workers)
accesslog_var = os.getenv("ACCESS_LOG", "-")
use_accesslog = accesslog_var or None
errorlog_var = os.getenv("ERROR_LOG", "-")
use_errorlog = errorlog_var or None
graceful_timeout_str = os.getenv("GRACEFUL_TIMEOUT", "120")
timeout_str = os.getenv("TIMEOUT", "120")
keepalive_str = os.getenv("KEEP_ALIVE", "5")

# Gunicorn config variables
loglevel = use_loglevel
workers = web_concurrency
# Drover's own name (Gunicorn ignores it): unless WEB_CONCURRENCY fixed it, `workers` is the seed's
# rule applied to the usable CPUs, so droverd computes the same count itself, from WORKERS_PER_CORE
# and MAX_WORKERS, and again when the CPU budget changes (follow_cpu_limit, cpu_from_request).
drover_workers_from_cpu = not web_concurrency_str
bind = use_bind
errorlog = use_errorlog
worker_tmp_dir = "/dev/shm"
accesslog = use_accesslog
graceful_timeout = int(graceful_timeout_str)
timeout = int(timeout_str)
keepalive = int(keepalive_str)


# For debugging and testing
log_data = {
    "loglevel": loglevel,
    "workers": workers,
    "bind": bind,
    "graceful_timeout": graceful_timeout,
    "timeout": timeout,
    "keepalive": keepalive,
    "errorlog": errorlog,
    "accesslog": accesslog,
    # Additional, non-gunicorn variables
    "workers_per_core": workers_per_core,
    "use_max_workers": use_max_workers,
    "host": host,
    "port": port,
}
print(json.dumps(log_data))
