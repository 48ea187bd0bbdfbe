//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension Setting {
    static let app = Setting(rawValue: "app")
    static let command = Setting(rawValue: "command")
    static let config = Setting(rawValue: "config")
    static let workers = Setting(rawValue: "workers")
    static let workersPerCore = Setting(rawValue: "workers_per_core")
    static let maxWorkers = Setting(rawValue: "max_workers")
    static let cpuFromRequest = Setting(rawValue: "cpu_from_request")
    static let followCPULimit = Setting(rawValue: "follow_cpu_limit")
    static let pageOutCode = Setting(rawValue: "page_out_code")
    static let workerClass = Setting(rawValue: "worker_class")
    static let maxRequests = Setting(rawValue: "max_requests")
    static let maxRequestsJitter = Setting(rawValue: "max_requests_jitter")
    static let maxSurge = Setting(rawValue: "max_surge")
    static let maxWorkerLifetime = Setting(rawValue: "max_worker_lifetime")
    static let lifetimeJitter = Setting(rawValue: "lifetime_jitter")
    static let maxWorkerMemory = Setting(rawValue: "max_worker_memory")
    static let memoryInterval = Setting(rawValue: "memory_interval")
    static let memorySamples = Setting(rawValue: "memory_samples")
    static let requestTimeout = Setting(rawValue: "request_timeout")
    static let poolMemoryLimit = Setting(rawValue: "pool_memory_limit")
    static let memoryPressure = Setting(rawValue: "memory_pressure")
    static let waitReady = Setting(rawValue: "wait_ready")
    static let readyProbe = Setting(rawValue: "ready_probe")
    static let launcher = Setting(rawValue: "launcher")
    static let spawn = Setting(rawValue: "spawn")
    static let preloadApp = Setting(rawValue: "preload_app")
    static let env = Setting(rawValue: "env")
    static let rawEnv = Setting(rawValue: "raw_env")
}

extension SettingRegistry {
    /// What runs, and how many.
    static let processes: [SettingSpec] = [
        SettingSpec(
            setting: .app,
            environment: ["APP_MODULE", "MODULE_NAME", "VARIABLE_NAME"],
            gunicorn: "wsgi_app",
            scope: .pool,
            valueName: "APP_MODULE",
            defaultText: "app.main:app if app/main.py exists, else main:app if main.py does",
            help: "The ASGI app, MODULE:VARIABLE or MODULE:FACTORY()."
        ),
        SettingSpec(
            setting: .command,
            scope: .pool,
            shape: .list,
            valueName: "COMMAND",
            help: "For -k command: the program and its arguments, after --.",
            topLevel: false,
            listed: false
        ),
        SettingSpec(
            setting: .config,
            flags: ["-c", "--config"],
            environment: ["DROVER_CONF", "GUNICORN_CONF"],
            gunicorn: "config",
            valueName: "FILE",
            defaultText:
                "drover.toml, app/drover.toml, gunicorn_conf.py, app/gunicorn_conf.py, gunicorn.conf.py in the app directory",
            help: "The configuration file: TOML (drover.toml) or Gunicorn's Python (a .py file).",
            inFile: false
        ),
        SettingSpec(
            setting: .workers,
            flags: ["-w", "--workers"],
            environment: ["WEB_CONCURRENCY"],
            gunicorn: "workers",
            scope: .pool,
            valueName: "N",
            defaultText: "WORKERS_PER_CORE × usable CPUs, at least 2, at most MAX_WORKERS",
            help: "Number of workers."
        ),
        SettingSpec(
            setting: .workersPerCore,
            environment: ["WORKERS_PER_CORE"],
            scope: .pool,
            valueName: "N",
            defaultText: "1",
            help: "Workers per usable CPU when no count is given (a number).",
            listed: false
        ),
        SettingSpec(
            setting: .maxWorkers,
            environment: ["MAX_WORKERS"],
            scope: .pool,
            valueName: "N",
            help: "The most workers WORKERS_PER_CORE may give; 0 for no cap.",
            listed: false
        ),
        SettingSpec(
            setting: .cpuFromRequest,
            flags: ["--cpu-from-request"],
            environment: ["CPU_FROM_REQUEST"],
            shape: .flag,
            defaultText: "no",
            help:
                "Without a CPU quota, count the CPU request (cgroup cpu.weight or cpu.shares, as Kubernetes sets them) as the usable CPUs."
        ),
        SettingSpec(
            setting: .followCPULimit,
            flags: ["--follow-cpu-limit"],
            environment: ["FOLLOW_CPU_LIMIT"],
            shape: .flag,
            defaultText: "no",
            help:
                "Re-read the CPU budget every 30 s and resize the pools sized from it (surge first) when it changes, e.g. after an in-place pod resize."
        ),
        SettingSpec(
            setting: .pageOutCode,
            flags: ["--page-out-code"],
            inversion: "--no-page-out-code",
            environment: ["DROVER_PAGE_OUT_CODE"],
            shape: .flag,
            defaultText: "on",
            help:
                "Once the pools are up, and after each rollout, page out the code droverd and the templates ran only while starting (MADV_PAGEOUT; as root)."
        ),
        SettingSpec(
            setting: .workerClass,
            flags: ["-k", "--worker-class"],
            environment: ["WORKER_CLASS"],
            gunicorn: "worker_class",
            scope: .pool,
            valueName: "KIND",
            defaultText: "uvicorn",
            help:
                "Worker kind: uvicorn, uvicorn-h11 or command (uvicorn.workers.UvicornWorker and UvicornH11Worker are accepted)."
        ),
        SettingSpec(
            setting: .maxRequests,
            flags: ["--max-requests"],
            gunicorn: "max_requests",
            scope: .pool,
            valueName: "N",
            defaultText: "0",
            help: "Requests after which a worker is replaced (surge first); 0 disables."
        ),
        SettingSpec(
            setting: .maxRequestsJitter,
            flags: ["--max-requests-jitter"],
            gunicorn: "max_requests_jitter",
            scope: .pool,
            valueName: "N",
            defaultText: "0",
            help: "Add up to N requests at random to --max-requests, per worker."
        ),
        SettingSpec(
            setting: .maxWorkerLifetime,
            flags: ["--max-worker-lifetime"],
            environment: ["MAX_WORKER_LIFETIME"],
            scope: .pool,
            valueName: "DURATION",
            defaultText: "0",
            help:
                "Replace a worker after it has served this long (surge first), e.g. 6h, 30m, 3600; 0 disables."
        ),
        SettingSpec(
            setting: .lifetimeJitter,
            flags: ["--lifetime-jitter"],
            environment: ["LIFETIME_JITTER"],
            scope: .pool,
            valueName: "DURATION",
            defaultText: "0",
            help: "Add up to DURATION to --max-worker-lifetime, per worker, so recycles spread."
        ),
        SettingSpec(
            setting: .maxWorkerMemory,
            flags: ["--max-worker-memory"],
            environment: ["MAX_WORKER_MEMORY"],
            scope: .pool,
            valueName: "SIZE",
            defaultText: "0",
            help:
                "Replace a worker (surge first) whose unique memory (USS) stays over SIZE, e.g. 512MiB, 2G; 0 disables."
        ),
        SettingSpec(
            setting: .poolMemoryLimit,
            flags: ["--pool-memory-limit"],
            environment: ["POOL_MEMORY_LIMIT"],
            scope: .pool,
            valueName: "SIZE",
            defaultText: "0",
            help:
                "Replace the largest worker (surge first) while the pool's total unique memory stays over SIZE; 0 disables."
        ),
        SettingSpec(
            setting: .memoryPressure,
            flags: ["--memory-pressure"],
            environment: ["MEMORY_PRESSURE"],
            scope: .pool,
            shape: .flag,
            defaultText: "no",
            help:
                "When droverd's memory cgroup nears its limit (PSI on cgroup v2, 90 % of the limit on v1), replace the largest worker, surge first."
        ),
        SettingSpec(
            setting: .memoryInterval,
            flags: ["--memory-interval"],
            environment: ["MEMORY_INTERVAL"],
            scope: .pool,
            valueName: "DURATION",
            defaultText: "10s",
            help: "How often each worker's memory is looked at, with --max-worker-memory (one wake-up each)."
        ),
        SettingSpec(
            setting: .memorySamples,
            flags: ["--memory-samples"],
            environment: ["MEMORY_SAMPLES"],
            scope: .pool,
            valueName: "N",
            defaultText: "3",
            help: "Samples in a row over --max-worker-memory before the worker is replaced (one is too twitchy)."
        ),
        SettingSpec(
            setting: .requestTimeout,
            flags: ["--request-timeout"],
            environment: ["REQUEST_TIMEOUT"],
            scope: .pool,
            valueName: "DURATION",
            defaultText: "0",
            help:
                "A worker with a request in flight this long prints its stacks and is replaced (surge first); the late request gets 503. Uvicorn pools; 0 disables."
        ),
        SettingSpec(
            setting: .maxSurge,
            scope: .pool,
            valueName: "N",
            help:
                "New workers a rollout starts before old ones are replaced (all at once by default); also the most lifetime recycles at a time (1 by default).",
            listed: false
        ),
        SettingSpec(
            setting: .waitReady,
            flags: ["--wait-ready"],
            inversion: "--no-wait-ready",
            scope: .pool,
            shape: .flag,
            defaultText: "yes for uvicorn; command: once seen accepting (no binds: at once)",
            help: "Count a worker as ready only once it sends READY=1."
        ),
        SettingSpec(
            setting: .readyProbe,
            flags: ["--ready-probe"],
            environment: ["READY_PROBE"],
            scope: .pool,
            valueName: "PATH",
            help:
                "Then also once GET PATH answers 2xx/3xx on the worker's own socket (fd name probe)."
        ),
        SettingSpec(
            setting: .launcher,
            flags: ["--launcher"],
            scope: .pool,
            valueName: "PROGRAM",
            defaultText: "drover-worker",
            help: "The launcher for uvicorn workers, looked up on PATH."
        ),
        SettingSpec(
            setting: .spawn,
            flags: ["--spawn"],
            environment: ["SPAWN"],
            scope: .pool,
            valueName: "fork|exec",
            defaultText: "exec",
            help:
                "Start uvicorn workers by exec, or fork them from a template per generation that imported the server once."
        ),
        SettingSpec(
            setting: .preloadApp,
            flags: ["--preload"],
            environment: ["PRELOAD_APP"],
            gunicorn: "preload_app",
            scope: .pool,
            shape: .flag,
            defaultText: "no",
            help:
                "Import the app once, in the template, before forking the workers (implies --spawn fork); a reload loads new code."
        ),
        SettingSpec(
            setting: .env,
            scope: .pool,
            shape: .table,
            help: "Variables for every worker (a table).",
            listed: false
        ),
        SettingSpec(
            setting: .rawEnv,
            flags: ["-e", "--env"],
            gunicorn: "raw_env",
            scope: .pool,
            shape: .list,
            valueName: "NAME=VALUE",
            help: "A variable for every worker, on top of the env tables; repeatable."
        ),
    ]
}
