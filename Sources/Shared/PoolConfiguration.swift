//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Everything that defines one pool of identical workers.
public struct PoolConfiguration: Hashable, Sendable {
    /// The pool's name (`web` when there is only one), passed to workers as `DROVER_POOL`.
    public var name: String
    /// What the workers run.
    public var kind: WorkerKind
    /// How many workers (slots) the pool keeps.
    public var workers: Int
    /// The sockets every worker inherits, at fds 3, 4, … in this order.
    public var binds: [BindAddress]
    /// Extra environment variables for the workers, in order.
    public var environment: [EnvironmentVariable]
    /// How a starting worker becomes ready: `READY=1`, observed accepting, or at once.
    public var readiness: WorkerReadiness
    /// `ready_probe`: an HTTP path droverd asks on the worker's own socket (fd name `probe`) once
    /// `readiness` says ready; the worker is ready when it answers 2xx or 3xx.
    public var readyProbe: String?
    /// Longest time from spawn to readiness before the worker is killed.
    public var bootTimeout: Duration
    /// Longest silence of a ready worker's heartbeat before it is killed; nil disables the check.
    public var heartbeatTimeout: Duration?
    /// Longest time a stopping worker may drain before it is killed.
    public var gracefulTimeout: Duration
    /// How many new workers a rollout starts before old ones have been replaced; nil means all at once.
    /// Also the most lifetime recycles that run at once in the pool (nil: one).
    public var maxSurge: Int?
    /// `max_worker_lifetime`: a ready worker serving this long (plus its share of
    /// ``lifetimeJitter``) is replaced surge-first; nil disables it.
    public var maxWorkerLifetime: Duration?
    /// `lifetime_jitter`: the most added to ``maxWorkerLifetime`` per worker, so recycles spread.
    public var lifetimeJitter: Duration
    /// `max_worker_memory` with its sampling, if set.
    public var memoryLimit: MemoryLimit?
    /// `request_timeout`: a ready worker with a request in flight this long has its stacks printed
    /// and is replaced surge-first; nil disables it (uvicorn pools: the launcher reports its requests).
    public var requestTimeout: Duration?
    /// `memory_pressure`: when droverd's memory cgroup nears its limit, this pool's workers are
    /// candidates for recycling (the largest first).
    public var memoryPressure: Bool
    /// How the size follows the CPU budget when no one fixed it (`workers`, `WEB_CONCURRENCY`);
    /// nil for a fixed size. With `follow_cpu_limit` the core resizes such a pool when the budget changes.
    public var automaticWorkers: AutomaticWorkers?
    /// The signal that asks a worker to drain and stop.
    public var stopSignal: Signal
    /// The signal that asks a worker to stop at once.
    public var quickStopSignal: Signal

    /// A pool with Drover's defaults.
    public init(
        name: String,
        kind: WorkerKind,
        workers: Int,
        binds: [BindAddress],
        environment: [EnvironmentVariable] = [],
        waitReady: Bool? = nil,
        readyProbe: String? = nil,
        bootTimeout: Duration = .seconds(60),
        heartbeatTimeout: Duration? = .seconds(30),
        gracefulTimeout: Duration = .seconds(30),
        maxSurge: Int? = nil,
        maxWorkerLifetime: Duration? = nil,
        lifetimeJitter: Duration = .zero,
        memoryLimit: MemoryLimit? = nil,
        requestTimeout: Duration? = nil,
        memoryPressure: Bool = false,
        automaticWorkers: AutomaticWorkers? = nil,
        stopSignal: Signal = .terminate,
        quickStopSignal: Signal = .interrupt
    ) {
        self.name = name
        self.kind = kind
        self.workers = workers
        self.binds = binds
        self.environment = environment
        self.readiness = WorkerReadiness.resolve(waitReady: waitReady, kind: kind, binds: binds)
        self.readyProbe = readyProbe
        self.bootTimeout = bootTimeout
        self.heartbeatTimeout = heartbeatTimeout
        self.gracefulTimeout = gracefulTimeout
        self.maxSurge = maxSurge
        self.maxWorkerLifetime = maxWorkerLifetime
        self.lifetimeJitter = lifetimeJitter
        self.memoryLimit = memoryLimit
        self.requestTimeout = requestTimeout
        self.memoryPressure = memoryPressure
        self.automaticWorkers = automaticWorkers
        self.stopSignal = stopSignal
        self.quickStopSignal = quickStopSignal
    }

    /// Whether a worker counts as ready only after it sends `READY=1`.
    public var waitReady: Bool { readiness == .notify }

    /// Whether a worker may still be starting once spawned (it has a boot deadline).
    public var waitsForReadiness: Bool { readiness != .spawned }

    /// Whether workers get a shared-memory heartbeat page (the launcher writes it): for the
    /// heartbeat timeout, and for the request timeout (the page carries the oldest request's start).
    public var usesHeartbeatPage: Bool {
        if case .uvicorn = kind { return heartbeatTimeout != nil || requestTimeout != nil }
        return false
    }
}

/// One `NAME=value` pair of a worker's environment.
public struct EnvironmentVariable: Hashable, Sendable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}
