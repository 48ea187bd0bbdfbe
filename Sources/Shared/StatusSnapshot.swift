//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// What `status` shows: every pool and every worker.
public struct StatusSnapshot: Hashable, Sendable {
    public var pools: [PoolStatus]

    public init(pools: [PoolStatus]) {
        self.pools = pools
    }

    /// Whether every pool has all its desired workers ready, and every pool with binds a ready worker.
    public var isReady: Bool { notReadyReason == nil }

    /// Why ``isReady`` is false, in one line (the first pool that is not ready); nil when it is true.
    public var notReadyReason: String? {
        for pool in pools {
            if pool.state == "stopping" { return "droverd is stopping" }
            if !pool.serving { return "pool \(pool.name) has no ready worker to serve its sockets" }
            if pool.ready < pool.desired {
                return "pool \(pool.name) has \(pool.ready) of \(pool.desired) workers ready"
            }
        }
        return nil
    }
}

/// One pool in `status`.
public struct PoolStatus: Hashable, Sendable {
    public var name: String
    /// `starting`, `running`, `degraded`, `backoff`, `rolling`, `removing` or `stopping`.
    public var state: String
    public var desired: Int
    /// Worker processes alive (including ones being retired).
    public var running: Int
    public var ready: Int
    /// The generation that serves.
    public var generation: Int
    /// The generation a rollout is starting, if one is under way.
    public var rollingOutTo: Int?
    /// False when the pool has binds and no ready worker (connections would wait for nobody).
    public var serving: Bool
    public var workers: [WorkerStatus]

    public init(
        name: String,
        state: String,
        desired: Int,
        running: Int,
        ready: Int,
        generation: Int,
        rollingOutTo: Int?,
        serving: Bool = true,
        workers: [WorkerStatus]
    ) {
        self.name = name
        self.state = state
        self.desired = desired
        self.running = running
        self.ready = ready
        self.generation = generation
        self.rollingOutTo = rollingOutTo
        self.serving = serving
        self.workers = workers
    }
}

/// One worker (or a slot waiting to respawn) in `status`.
public struct WorkerStatus: Hashable, Sendable {
    /// Nil for a slot in backoff.
    public var pid: Int32?
    public var slot: Int
    public var generation: Int
    /// `starting`, `ready`, `stopping` or `backoff`.
    public var state: String
    public var ageSeconds: Double
    /// Times the slot's worker was replaced after a failure.
    public var restarts: Int
    /// How the slot's previous worker ended, e.g. `exit 3`.
    public var lastExit: String?
    /// Resident memory, filled in by the daemon (the core does not read /proc).
    public var rssBytes: UInt64?
    /// The last stderr lines of a failing slot.
    public var stderrTail: [String]
    /// Seconds until a slot in backoff respawns.
    public var retryInSeconds: Double?
    /// The worker's own `STATUS=` text.
    public var statusText: String?

    public init(
        pid: Int32?,
        slot: Int,
        generation: Int,
        state: String,
        ageSeconds: Double,
        restarts: Int,
        lastExit: String?,
        rssBytes: UInt64? = nil,
        stderrTail: [String] = [],
        retryInSeconds: Double? = nil,
        statusText: String? = nil
    ) {
        self.pid = pid
        self.slot = slot
        self.generation = generation
        self.state = state
        self.ageSeconds = ageSeconds
        self.restarts = restarts
        self.lastExit = lastExit
        self.rssBytes = rssBytes
        self.stderrTail = stderrTail
        self.retryInSeconds = retryInSeconds
        self.statusText = statusText
    }
}
