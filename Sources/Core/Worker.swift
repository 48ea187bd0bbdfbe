//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// One worker process as the supervisor sees it: where it is in its life (``phase``) and what it
/// has told droverd, which stays true in every phase.
struct Worker: Sendable {
    let id: WorkerID
    /// The configuration it was spawned with (its generation's).
    let configuration: PoolConfiguration
    let slot: Int
    let generation: Int
    let spawnedAt: Instant
    /// Where it is in its life; changed only by the phase's transitions.
    var phase: WorkerPhase = .spawning
    /// The last heartbeat seen (a page stamp or a `WATCHDOG=1`).
    var lastHeartbeat: Instant?
    /// Whether it has sent `WATCHDOG=1` itself (then its pings are enforced).
    var sendsWatchdog = false
    /// Whether it said `STOPPING=1` before droverd asked it to stop (then a clean exit is no failure).
    var announcedStopping = false
    /// Its last `STATUS=` text.
    var statusText: String?
    /// Its last `ERRNO=`.
    var errorNumber: Int32?
    /// Its report that the app cannot be loaded (then no new attempt will do better).
    var loadFailure: LoadFailure?
    /// When its lifetime is up and a replacement is started for it (`max_worker_lifetime` plus its
    /// jitter after it became ready, or a retry after a replacement failed); nil when it has no
    /// lifetime limit, is not ready, or its recycle has begun.
    var recycleAt: Instant?
    /// Why it is recycled: its lifetime (`lifetime`), or its request limit (`recycled`: it said
    /// `DROVER_RECYCLE=1`).
    var recycleReason: StopReason = .lifetime
    /// `max_worker_memory`: when its memory is looked at next (while ready), and how many samples
    /// in a row were over the limit.
    var nextMemorySample: Instant?
    var samplesOverMemory = 0
    /// Its last memory sample (USS bytes), for its pool's total.
    var lastMemory: UInt64?
    /// `request_timeout`: when its heartbeat page is read next for the start of its oldest request
    /// in flight (while ready; nil once it timed out and its replacement is under way).
    var nextRequestCheck: Instant?
    var tail: OutputTail

    var pool: String { configuration.name }
    var pid: Int32? { phase.pid }
    var state: WorkerState { phase.state }

    var reference: WorkerReference {
        WorkerReference(id: id, pool: pool, slot: slot, generation: generation, pid: pid)
    }

    /// When its heartbeat is next due once it has been ready since `readySince`, if it is checked at
    /// all: a heartbeat page at its last stamp + timeout + `slack`; `WATCHDOG=1` pings (enforced from
    /// the first one) at the last + timeout.
    func heartbeatDeadline(readySince: Instant, slack: Duration) -> Instant? {
        guard let timeout = configuration.heartbeatTimeout else { return nil }
        if configuration.usesHeartbeatPage {
            return max(lastHeartbeat ?? readySince, readySince) + timeout + slack
        }
        guard sendsWatchdog, let last = lastHeartbeat else { return nil }
        return max(last, readySince) + timeout
    }
}

/// Names a worker in notices and replies.
public struct WorkerReference: Hashable, Sendable, CustomStringConvertible {
    public var id: WorkerID
    public var pool: String
    public var slot: Int
    public var generation: Int
    public var pid: Int32?

    public var description: String {
        "\(pool)[\(slot)] gen \(generation)" + (pid.map { " pid \($0)" } ?? "")
    }
}
