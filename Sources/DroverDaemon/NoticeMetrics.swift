//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared

/// Why a worker ended, as `drover_worker_restarts_total`'s `reason` label says it.
enum RestartReason: String, CaseIterable, Hashable, Sendable {
    /// It exited by itself with a status (0 without announcing a stop counts too).
    case exit
    /// A signal droverd did not send killed it (`kill -9` from outside, a segfault).
    case signal
    /// The kernel's OOM killer killed it.
    case oom
    /// Its memory stayed over `max_worker_memory`, or it was the largest of a pool over
    /// `pool_memory_limit`: replaced surge first.
    case memory
    /// Its heartbeat stopped (or it sent `WATCHDOG=trigger`).
    case heartbeatTimeout = "heartbeat_timeout"
    /// It was not ready within the boot timeout.
    case bootTimeout = "boot_timeout"
    /// It stopped by itself after announcing it (`STOPPING=1`: its maximum number of requests).
    case maxRequests = "max_requests"
    /// A scale down removed its slot (it is not replaced).
    case scale
    /// A rollout (reload, restart, a changed file in reload mode) replaced it with a newer generation.
    case reload
    /// Its `max_worker_lifetime` was up (replaced surge-first).
    case lifetime
    /// A request of its outlived `request_timeout` (replaced surge-first).
    case requestTimeout = "request_timeout"
    /// It was the largest worker when droverd's memory cgroup neared its limit (`memory_pressure`).
    case pressure
    /// Its program could not be started at all.
    case spawnFailed = "spawn_failed"
}

/// One change a notice makes to droverd's counters and histograms.
enum MetricUpdate: Hashable, Sendable {
    case restart(pool: String, reason: RestartReason)
    case rolloutStarted(pool: String)
    case rolloutSucceeded(pool: String)
    case rolloutRolledBack(pool: String)
    case workerBooted(pool: String, bootTime: Duration)
}

/// The mapping from the core's notices to metric updates: pure (no clock, no I/O), so a test can
/// feed it notices and read what it counts.
///
/// Each ended worker is counted once, under the first reason that tells why: droverd's own stop
/// decision (`workerStopping`, `workerTimedOut`) when there is one, else its exit status. A timed-out
/// worker is later reported exited too (killed by the SIGABRT or SIGKILL droverd sent): that exit is
/// not counted again, which is why the mapping remembers the workers it counted a timeout for.
/// Stops that replace nothing and fail nothing (droverd stopping, a pool removed, the incoming
/// workers of a rollout that failed) are not restarts; a failed rollout counts as rolled back.
struct NoticeMetrics: Sendable {
    /// Workers whose timeout was counted; their exit is not counted again.
    private(set) var timedOut: Set<WorkerID> = []

    init() {}

    mutating func updates(for notice: Notice) -> [MetricUpdate] {
        switch notice {
        case .workerReady(let worker, let bootTime):
            return [.workerBooted(pool: worker.pool, bootTime: bootTime)]
        case .workerStopping(let worker, let reason):
            return Self.reason(for: reason).map { [.restart(pool: worker.pool, reason: $0)] } ?? []
        case .workerTimedOut(_, .requestTimeout, _):
            return []  // it keeps serving until its replacement is ready; counted when it is stopped
        case .workerTimedOut(let worker, let reason, _):
            guard let counted = Self.reason(for: reason) else { return [] }
            timedOut.insert(worker.id)
            return [.restart(pool: worker.pool, reason: counted)]
        case .workerExited(let worker, let status, let failed):
            // An exit droverd asked for was counted (or not) when it asked; so was a timeout.
            guard timedOut.remove(worker.id) == nil, failed else { return [] }
            switch status {
            case .exited: return [.restart(pool: worker.pool, reason: .exit)]
            case .signaled: return [.restart(pool: worker.pool, reason: .signal)]
            case .outOfMemory: return [.restart(pool: worker.pool, reason: .oom)]
            }
        case .spawnFailed(let worker, _):
            return [.restart(pool: worker.pool, reason: .spawnFailed)]
        case .rolloutStarted(let pool, _, _):
            return [.rolloutStarted(pool: pool)]
        case .rolloutFinished(let pool, _, _):
            return [.rolloutSucceeded(pool: pool)]
        case .rolloutFailed(let pool, _, _):
            return [.rolloutRolledBack(pool: pool)]
        case .workerSpawned, .workerKilled, .memoryPressure, .respawnScheduled, .orphanReaped, .started, .startupFailed,
            .probeFailed, .appLoadFailed, .scaled, .cpuBudgetChanged, .reloadStarted, .filesChanged, .reloadFinished,
            .poolAdded,
            .poolRemoved, .shutdownDelay, .shutdownDelaySkipped, .stopping, .hookFailed:
            return []
        }
    }

    /// The restart reason of a stop droverd decided on; nil for stops that are no restart.
    static func reason(for stop: StopReason) -> RestartReason? {
        switch stop {
        case .replaced: .reload
        case .scaledDown: .scale
        case .recycled: .maxRequests
        case .lifetime: .lifetime
        case .memory, .poolMemory: .memory
        case .pressure: .pressure
        case .requestTimeout: .requestTimeout
        case .bootTimeout: .bootTimeout
        case .heartbeatTimeout, .watchdogTrigger: .heartbeatTimeout
        case .rolledBack, .poolRemoved, .shutdown: nil
        }
    }
}
