//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// The supervision core: a state machine that takes events and returns actions.
///
/// It knows nothing about processes, sockets or clocks. The shell spawns what it
/// is told to spawn, reports what happened with ``handle(_:at:)``, performs the
/// returned actions in order, and calls ``handle(_:at:)`` with
/// ``SupervisorEvent/timerFired`` at ``nextDeadline``.
public struct Supervisor: Sendable {
    enum Phase: Hashable, Sendable {
        case idle
        case starting
        case running
        /// The shutdown delay: not ready, every worker still serving, until the graceful stop at `until`.
        case lameDuck(until: Instant)
        case stopping(StopMode, exitCode: Int32)
        case exited
    }

    /// The fixed rules (backoff, escalation, limits).
    public let policy: SupervisorPolicy
    /// `shutdown_delay`: how long a stop request (SIGTERM, `stop`) leaves the workers serving while
    /// droverd reports itself not ready, before the graceful stop; zero stops at once.
    public let shutdownDelay: Duration
    var pools: [Pool]
    var workers: [WorkerID: Worker] = [:]
    var workerIDsByPID: [Int32: WorkerID] = [:]
    var nextWorkerNumber: UInt64 = 1
    var phase: Phase = .idle
    var operation: Operation?
    var queuedOperations: [Operation] = []
    var nextOperationID: UInt64 = 1
    var scaleWaiters: [ScaleWaiter] = []
    var stopRequesters: [UInt64] = []
    var lastStatusLine: String?
    /// Reload mode: files changed since the last restart, and when the restart is due.
    var changedFiles: Set<String> = []
    var restartDue: Instant?
    /// Why droverd stops when it stops for a failure: told last, once every worker is gone.
    var stopCause: Notice?
    /// The time of the event being handled.
    var now = Instant(nanoseconds: 0)
    /// Actions produced by the event being handled.
    var outbox: [SupervisorAction] = []

    /// A supervisor for these pools (in this order), not yet started.
    public init(
        pools: [PoolConfiguration],
        shutdownDelay: Duration = .zero,
        policy: SupervisorPolicy = SupervisorPolicy()
    ) {
        self.policy = policy
        self.shutdownDelay = shutdownDelay
        self.pools = pools.map { Pool(configuration: $0, generation: 1) }
    }

    /// Feeds one event in and returns what to do, in order.
    public mutating func handle(_ event: SupervisorEvent, at now: Instant) -> [SupervisorAction] {
        self.now = max(self.now, now)
        guard phase != .exited else { return [] }
        switch event {
        case .start: start()
        case .spawned(let id, let pid): workerSpawned(id, pid: pid)
        case .spawnFailed(let id, let error): workerFailedToSpawn(id, error: error)
        case .exited(let pid, let status): processExited(pid: pid, status: status)
        case .notified(let pid, let message): notified(pid: pid, message)
        case .observedAccepting(let id): observedAccepting(id)
        case .probed(let id, let status, let detail): probed(id, status: status, detail: detail)
        case .filesChanged(let files): filesChanged(files)
        case .heartbeat(let id, let stamp, let oldest): heartbeat(id, stamp: stamp, oldestRequest: oldest)
        case .output(let id, let lines): output(id, lines: lines)
        case .timerFired: timerFired()
        case .memorySampled(let id, let bytes): memorySampled(id, bytes: bytes)
        case .memoryPressure(let sizes): memoryPressure(sizes)
        case .cpuBudgetChanged(let cpus, let was, let rule): cpuBudgetChanged(cpus: cpus, was: was, rule: rule)
        case .command(let command, let requester): run(command, from: requester)
        case .configurationLoaded(let id, let result): configurationLoaded(id, result)
        case .hookFailed(let hook, let reason): hookFailed(hook, reason: reason)
        }
        startDueRecycles()
        publishStatusLine()
        defer { outbox.removeAll(keepingCapacity: true) }
        return outbox
    }

    /// The earliest time something is due, or nil when nothing is (then droverd sleeps).
    public var nextDeadline: Instant? {
        var earliest: Instant?
        for worker in workers.values {
            if let deadline = worker.phase.deadline, earliest.map({ deadline < $0 }) ?? true { earliest = deadline }
            if let retry = worker.phase.probeRetryAt, earliest.map({ retry < $0 }) ?? true { earliest = retry }
        }
        for pool in pools {
            for slot in pool.slots {
                if let retry = slot.state.retryAt, earliest.map({ retry < $0 }) ?? true { earliest = retry }
            }
        }
        if let due = restartDue, earliest.map({ due < $0 }) ?? true { earliest = due }
        if case .lameDuck(let until) = phase, earliest.map({ until < $0 }) ?? true { earliest = until }
        if let recycle = nextRecycle, earliest.map({ recycle < $0 }) ?? true { earliest = recycle }
        for worker in workers.values where worker.state == .ready {
            if let sample = worker.nextMemorySample, earliest.map({ sample < $0 }) ?? true { earliest = sample }
            if let check = worker.nextRequestCheck, earliest.map({ check < $0 }) ?? true { earliest = check }
        }
        return earliest
    }

    /// Ready workers whose memory is to be looked at now (`max_worker_memory`), with their pids:
    /// the driver reads each and feeds ``SupervisorEvent/memorySampled(_:bytes:)``.
    public func memorySamplesDue(at now: Instant) -> [(id: WorkerID, pid: Int32)] {
        workers.values.sorted { $0.id < $1.id }.compactMap { worker in
            guard case .ready(let pid, _, _) = worker.phase, let due = worker.nextMemorySample, due <= now else {
                return nil
            }
            return (worker.id, pid)
        }
    }

    /// Workers whose heartbeat page must be read before the next ``SupervisorEvent/timerFired``:
    /// ready workers with a page whose heartbeat deadline or request check has come.
    public func heartbeatReadsDue(at now: Instant) -> [WorkerID] {
        workers.values.filter { worker in
            guard case .ready(_, _, let deadline) = worker.phase, worker.configuration.usesHeartbeatPage else {
                return false
            }
            return deadline.map { $0 <= now } ?? false || worker.nextRequestCheck.map { $0 <= now } ?? false
        }.map(\.id).sorted()
    }

    /// Starting workers whose readiness the shell observes (pools with ``WorkerReadiness/observed``),
    /// with their pids. While it is not empty the shell looks at them about every 50 ms and reports
    /// ``SupervisorEvent/observedAccepting(_:)``; when it is empty the shell does not poll.
    public var observationsDue: [(id: WorkerID, pid: Int32, binds: [BindAddress])] {
        workers.values.sorted { $0.id < $1.id }.compactMap { worker in
            // Once its readiness signal has come, its ready_probe decides.
            guard case .starting(let pid, _, .notAsked) = worker.phase, worker.configuration.readiness == .observed
            else { return nil }
            return (worker.id, pid, worker.configuration.binds)
        }
    }

    /// The configuration of every pool, as new workers would be spawned now.
    public var configurations: [PoolConfiguration] {
        pools.filter { !$0.removing }.map(\.configuration)
    }

    /// Whether droverd has begun stopping its workers.
    public var isStopping: Bool {
        if case .stopping = phase { return true }
        return phase == .exited
    }

    /// Whether droverd is on its way out: in its shutdown delay (its workers still serve) or stopping.
    /// Operations are refused from then on.
    public var isShuttingDown: Bool {
        if case .lameDuck = phase { return true }
        return isStopping
    }

    /// The time left of the shutdown delay, while droverd is in it.
    func shutdownDelayLeft(at now: Instant) -> Duration? {
        guard case .lameDuck(let until) = phase else { return nil }
        return until > now ? until - now : .zero
    }

    /// Why an operation is refused while droverd shuts down.
    var stoppingFailure: CommandFailure {
        guard let left = shutdownDelayLeft(at: now) else {
            return CommandFailure(code: .stopping, message: "droverd is stopping")
        }
        let message =
            "droverd is stopping (shutdown delay: its workers stop in \(left.shortText); not ready meanwhile)"
        return CommandFailure(code: .stopping, message: message)
    }

    // MARK: - Helpers shared by the extensions

    mutating func emit(_ action: SupervisorAction) {
        outbox.append(action)
    }

    mutating func notice(_ notice: Notice) {
        outbox.append(.notice(notice))
    }

    func poolIndex(named name: String) -> Int? {
        pools.firstIndex { $0.name == name }
    }

    func readyCount(_ pool: Pool) -> Int {
        pool.slots.reduce(0) { count, slot in
            guard let id = slot.state.current, let worker = workers[id], worker.state == .ready else { return count }
            return count + 1
        }
    }

    /// Whether a pool serves its sockets: a pool with binds needs a ready worker (at size 0 too).
    func isServing(_ pool: Pool) -> Bool {
        pool.configuration.binds.isEmpty || readyCount(pool) > 0
    }

    /// The systemd `STATUS=` line: `web: 4/4 ready, gen 3`; after start-up `, not serving` is added
    /// for a pool with binds and no ready worker.
    var statusLine: String {
        var parts = pools.filter { !$0.removing }.map { pool in
            "\(pool.name): \(readyCount(pool))/\(pool.slots.count) ready, gen \(pool.generation)"
                + (pool.rollout.map { ", rolling out gen \($0.generation)" } ?? "")
                + (isServing(pool) || phase == .starting ? "" : ", not serving")
        }
        if case .stopping(let mode, _) = phase { parts.append("stopping (\(mode.rawValue))") }
        if case .lameDuck = phase {
            parts.append("not ready: shutdown delay (\(shutdownDelay.shortText)), then stopping")
        }
        return parts.joined(separator: "; ")
    }

    private mutating func publishStatusLine() {
        guard phase != .idle, phase != .exited else { return }
        let line = statusLine
        guard line != lastStatusLine else { return }
        lastStatusLine = line
        emit(.notifySystemd(.status(line)))
    }
}
