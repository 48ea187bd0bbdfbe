//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared

/// Effects that touch nothing: a settable clock, pids counted up from 100, spawns that fail on
/// request, and a record of the timer and polls the driver armed. Loading a configuration is
/// left to the tests, which answer the action with `configurationLoaded`.
final class FakeEffects: SupervisorEffects {
    var now = Instant(nanoseconds: 1_000_000_000_000)
    var nextPID: Int32 = 100
    /// Pids of every worker spawned, by worker.
    var pids: [WorkerID: Int32] = [:]
    /// Error text for spawns that should fail, consumed in order.
    var failingSpawns: [String] = []
    /// The armed timer's deadline.
    var timer: Instant?
    /// How many times the readiness poll was armed.
    var readinessPolls = 0
    /// Heartbeat page stamps to report, by worker.
    var heartbeats: [WorkerID: Instant] = [:]
    /// The start of the oldest request in flight, by worker (`request_timeout`).
    var oldestRequests: [WorkerID: Instant] = [:]
    /// Unique memory by pid, for `max_worker_memory` samples.
    var memory: [Int32: UInt64] = [:]
    /// Workers seen accepting.
    var accepting: Set<WorkerID> = []

    func spawn(_ order: SpawnOrder) -> SupervisorEvent? {
        if !failingSpawns.isEmpty { return .spawnFailed(order.worker, error: failingSpawns.removeFirst()) }
        let pid = nextPID
        nextPID += 1
        pids[order.worker] = pid
        return .spawned(order.worker, pid: pid)
    }

    func signal(_ worker: WorkerID, pid: Int32, _ signal: Signal, processGroup: Bool) {}
    func probe(_ worker: WorkerID, pid: Int32, path: String, timeout: Duration) {}
    func release(_ worker: WorkerID) {}
    func stopAccepting(_ binds: [BindAddress]) {}
    func retainListeners(_ binds: [BindAddress]) {}
    func reopenLogs() {}
    func loadConfiguration(_ request: UInt64) {}  // the tests answer with configurationLoaded
    func reply(to client: UInt64, _ result: Result<CommandOutcome, CommandFailure>) {}
    func report(_ notice: Notice) {}
    func notifySystemd(_ notification: SystemdNotification) {}
    func exit(status: Int32) {}

    func armTimer(at deadline: Instant?) { timer = deadline }
    func armReadinessPoll() { readinessPolls += 1 }
    func uniqueMemory(of pid: Int32) -> UInt64? { memory[pid] }
    func lastHeartbeat(of worker: WorkerID) -> Instant? { heartbeats[worker] }
    func oldestRequest(of worker: WorkerID) -> Instant? { oldestRequests[worker] }
    func isAccepting(_ worker: WorkerID, pid: Int32, binds: [BindAddress]) -> Bool { accepting.contains(worker) }
}
