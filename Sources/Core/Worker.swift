//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// One worker process as the supervisor sees it.
struct Worker: Sendable {
    let id: WorkerID
    /// The configuration it was spawned with (its generation's).
    let configuration: PoolConfiguration
    let slot: Int
    let generation: Int
    var pid: Int32?
    var state: WorkerState = .spawning
    let spawnedAt: Instant
    var readyAt: Instant?
    /// The one timer that matters in its state: boot, heartbeat, or kill deadline.
    var deadline: Instant?
    var stopReason: StopReason?
    /// Whether SIGKILL has been sent.
    var killed = false
    /// The last heartbeat seen (a page stamp or a `WATCHDOG=1`).
    var lastHeartbeat: Instant?
    /// Whether it has sent `WATCHDOG=1` itself (then its pings are enforced).
    var sendsWatchdog = false
    /// Whether it said `STOPPING=1` on its own.
    var announcedStopping = false
    /// Its last `STATUS=` text.
    var statusText: String?
    /// Its last `ERRNO=`.
    var errorNumber: Int32?
    /// `ready_probe`: asked (its readiness signal came), when to ask again, the last bad answer.
    var probing = false
    var probeRetryAt: Instant?
    var lastProbeAnswer: String?
    /// Its report that the app cannot be loaded (then no new attempt will do better).
    var loadFailure: LoadFailure?
    var tail: OutputTail

    var pool: String { configuration.name }

    var reference: WorkerReference {
        WorkerReference(id: id, pool: pool, slot: slot, generation: generation, pid: pid)
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
