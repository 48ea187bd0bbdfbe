//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// Where a worker is in its life, coarsely: the core's `WorkerPhase` without its data.
public enum WorkerState: String, Hashable, Sendable {
    /// Asked for, not yet started by the shell.
    case spawning
    /// Running, not yet ready (no `READY=1` yet).
    case starting
    /// Serving.
    case ready
    /// Asked to stop (or killed), waiting for it to exit.
    case stopping

    /// The state `status` shows (a worker being spawned shows as starting).
    var reported: WorkerStatus.State {
        switch self {
        case .spawning, .starting: .starting
        case .ready: .ready
        case .stopping: .stopping
        }
    }
}

/// Why the supervisor stops a worker.
public enum StopReason: String, Hashable, Sendable, CaseIterable {
    /// Replaced by a ready worker of a newer generation.
    case replaced
    /// Its slot was removed by a scale down.
    case scaledDown
    /// It belonged to a rollout that failed.
    case rolledBack
    /// Its pool was removed by a reload.
    case poolRemoved
    /// droverd is stopping.
    case shutdown
    /// It sent no `READY=1` within the boot timeout.
    case bootTimeout
    /// Its heartbeat stopped for longer than the timeout.
    case heartbeatTimeout
    /// It sent `WATCHDOG=trigger`.
    case watchdogTrigger
    /// It said `STOPPING=1` by itself (e.g. after its maximum number of requests) and was replaced.
    case recycled
    /// Its `max_worker_lifetime` was up, and its replacement is ready.
    case lifetime
    /// Its unique memory stayed over `max_worker_memory`; replaced surge first.
    case memory
    /// A request of its was in flight longer than `request_timeout`; replaced surge first.
    case requestTimeout
    /// The largest worker of a pool whose total stayed over `pool_memory_limit`; replaced surge first.
    case poolMemory
    /// The largest worker when droverd's memory cgroup neared its limit (`memory_pressure`).
    case pressure

    /// Whether the stop means the worker failed (and counts towards backoff).
    public var isFailure: Bool {
        switch self {
        case .bootTimeout, .heartbeatTimeout, .watchdogTrigger: true
        case .replaced, .scaledDown, .rolledBack, .poolRemoved, .shutdown, .recycled, .lifetime, .memory,
            .requestTimeout, .poolMemory, .pressure:
            false
        }
    }
}
