//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// Where a worker is in its life, with the data that exists only there: its pid from `starting` on,
/// the one deadline that matters in each phase, a stop's reason and progress only while stopping.
///
/// Inputs are mutating methods (`WorkerPhase+Transitions.swift`); one the phase does not accept
/// throws ``InvalidTransition`` and changes nothing. ``state`` is what `status` reports.
enum WorkerPhase: Hashable, Sendable {
    /// Asked for; the shell has not reported its pid yet.
    case spawning
    /// Running, not ready yet. No boot deadline when its pool's workers are ready when spawned.
    case starting(pid: Int32, bootDeadline: Instant?, probe: ProbeProgress)
    /// Serving since `since`. No heartbeat deadline when its heartbeat is not checked (yet).
    case ready(pid: Int32, since: Instant, heartbeatDeadline: Instant?)
    /// Asked to stop, or aborted: waiting for it to exit.
    case stopping(WorkerStop)

    /// The coarse state (the one `status` shows comes from it).
    var state: WorkerState {
        switch self {
        case .spawning: .spawning
        case .starting: .starting
        case .ready: .ready
        case .stopping: .stopping
        }
    }

    /// Its pid: none while spawning, nor when told to stop before it was spawned.
    var pid: Int32? {
        switch self {
        case .spawning: nil
        case .starting(let pid, _, _), .ready(let pid, _, _): pid
        case .stopping(let stop): stop.pid
        }
    }

    /// The one timer that matters now: the boot, heartbeat or kill deadline.
    var deadline: Instant? {
        switch self {
        case .spawning: nil
        case .starting(_, let deadline, _): deadline
        case .ready(_, _, let deadline): deadline
        case .stopping(let stop): stop.killAt
        }
    }

    /// When a starting worker's `ready_probe` is asked again after a bad answer.
    var probeRetryAt: Instant? {
        guard case .starting(_, _, .waiting(let retryAt, _)) = self else { return nil }
        return retryAt
    }

    /// Its `ready_probe`'s progress while starting, or when it was stopped while starting.
    var probe: ProbeProgress? {
        switch self {
        case .spawning, .ready: nil
        case .starting(_, _, let probe): probe
        case .stopping(let stop): stop.probe
        }
    }

    /// When it became ready, if it did (kept while it stops).
    var readySince: Instant? {
        switch self {
        case .spawning, .starting: nil
        case .ready(_, let since, _): since
        case .stopping(let stop): stop.readySince
        }
    }

    /// Why it stops, while it does.
    var stopReason: StopReason? {
        guard case .stopping(let stop) = self else { return nil }
        return stop.reason
    }
}
