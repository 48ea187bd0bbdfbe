//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

// MARK: - Transitions: one method per input; an input the phase does not accept throws

extension WorkerPhase {
    /// What the supervisor does once the shell reports the pid.
    enum AfterSpawn: Hashable, Sendable {
        /// It runs: tell it, and wait for its readiness.
        case started
        /// It was told to stop before it had a pid: signal it now.
        case signalStop(StopReason)
    }

    /// What a stop request asks of the supervisor.
    enum StopOrder: Hashable, Sendable {
        /// Nothing yet: it has no pid, and is signalled when the shell reports one.
        case signalWhenSpawned
        /// Signal `pid`; `isNew` when it was not stopping before (then the stop is told).
        case signal(pid: Int32, isNew: Bool)
    }

    /// The shell started it as `pid`: a spawning worker starts (due ready by `bootDeadline`); one told
    /// to stop before it had a pid keeps stopping, and is signalled now.
    mutating func spawned(pid: Int32, bootDeadline: Instant?) throws(InvalidTransition) -> AfterSpawn {
        switch self {
        case .spawning:
            self = .starting(pid: pid, bootDeadline: bootDeadline, probe: .notAsked)
            return .started
        case .stopping(var stop) where stop.pid == nil:
            stop.pid = pid
            self = .stopping(stop)
            return .signalStop(stop.reason)
        default:
            throw rejected()
        }
    }

    /// Its readiness signal came and its `ready_probe` is asked: returns the pid to probe.
    mutating func probeAsked() throws(InvalidTransition) -> Int32 {
        guard case .starting(let pid, let deadline, .notAsked) = self else { throw rejected() }
        self = .starting(pid: pid, bootDeadline: deadline, probe: .asking(lastAnswer: nil))
        return pid
    }

    /// A bad answer to its probe: asked again at `retryAt`. Returns whether the answer is new.
    mutating func probeFailed(answer: String, retryAt: Instant) throws(InvalidTransition) -> Bool {
        guard case .starting(let pid, let deadline, let probe) = self, probe.isAsked else { throw rejected() }
        self = .starting(pid: pid, bootDeadline: deadline, probe: .waiting(retryAt: retryAt, lastAnswer: answer))
        return answer != probe.lastAnswer
    }

    /// The time to ask its probe again has come: returns the pid to probe.
    mutating func probeRetryDue(at now: Instant) throws(InvalidTransition) -> Int32 {
        guard case .starting(let pid, let deadline, .waiting(let retryAt, let answer)) = self, retryAt <= now else {
            throw rejected()
        }
        self = .starting(pid: pid, bootDeadline: deadline, probe: .asking(lastAnswer: answer))
        return pid
    }

    /// `EXTEND_TIMEOUT_USEC`: the boot deadline moves to `deadline`, never sooner.
    mutating func bootExtended(to deadline: Instant) throws(InvalidTransition) {
        guard case .starting(let pid, let current?, let probe) = self else { throw rejected() }
        self = .starting(pid: pid, bootDeadline: max(current, deadline), probe: probe)
    }

    /// Ready (`READY=1`, seen accepting, or its probe passed) at `now`.
    mutating func becameReady(at now: Instant, heartbeatDeadline: Instant?) throws(InvalidTransition) {
        guard case .starting(let pid, _, _) = self else { throw rejected() }
        self = .ready(pid: pid, since: now, heartbeatDeadline: heartbeatDeadline)
    }

    /// A heartbeat (a page stamp or `WATCHDOG=1`) moved the heartbeat deadline.
    mutating func heartbeatMoved(deadline: Instant?) throws(InvalidTransition) {
        guard case .ready(let pid, let since, _) = self else { throw rejected() }
        self = .ready(pid: pid, since: since, heartbeatDeadline: deadline)
    }

    /// droverd asks it to stop, SIGKILL due at `killAt`. A stopping worker accepts only a quick stop
    /// that comes before SIGKILL and after no failure: the kill deadline only ever comes sooner, and
    /// the first reason stays.
    mutating func askedToStop(
        reason: StopReason,
        killAt: Instant,
        quick: Bool
    ) throws(InvalidTransition) -> StopOrder {
        switch self {
        case .spawning:
            self = .stopping(WorkerStop(pid: nil, reason: reason, readySince: nil, probe: nil, killAt: killAt))
            return .signalWhenSpawned
        case .starting(let pid, _, let probe):
            self = .stopping(WorkerStop(pid: pid, reason: reason, readySince: nil, probe: probe, killAt: killAt))
            return .signal(pid: pid, isNew: true)
        case .ready(let pid, let since, _):
            self = .stopping(WorkerStop(pid: pid, reason: reason, readySince: since, probe: nil, killAt: killAt))
            return .signal(pid: pid, isNew: true)
        case .stopping(var stop):
            guard quick, let current = stop.killAt, !stop.reason.isFailure else { throw rejected() }
            stop.killAt = min(current, killAt)
            self = .stopping(stop)
            return stop.pid.map { .signal(pid: $0, isNew: false) } ?? .signalWhenSpawned
        }
    }

    /// It said `STOPPING=1` while ready and drains by itself (recycled): no signal, SIGKILL at `killAt`.
    mutating func stoppingByItself(killAt: Instant) throws(InvalidTransition) {
        guard case .ready(let pid, let since, _) = self else { throw rejected() }
        self = .stopping(WorkerStop(pid: pid, reason: .recycled, readySince: since, probe: nil, killAt: killAt))
    }

    /// Stuck (a boot or heartbeat timeout, `WATCHDOG=trigger`): SIGABRT now, SIGKILL at `killAt`.
    /// Returns the pid to abort.
    mutating func aborted(reason: StopReason, killAt: Instant) throws(InvalidTransition) -> Int32 {
        switch self {
        case .starting(let pid, _, let probe):
            self = .stopping(WorkerStop(pid: pid, reason: reason, readySince: nil, probe: probe, killAt: killAt))
            return pid
        case .ready(let pid, let since, _):
            self = .stopping(WorkerStop(pid: pid, reason: reason, readySince: since, probe: nil, killAt: killAt))
            return pid
        case .spawning, .stopping:
            throw rejected()
        }
    }

    /// Its kill deadline came: SIGKILL to its process group. Returns the pid to kill (none when the
    /// shell has not reported one).
    mutating func killed() throws(InvalidTransition) -> Int32? {
        guard case .stopping(var stop) = self, !stop.killed else { throw rejected() }
        stop.killAt = nil
        self = .stopping(stop)
        return stop.pid
    }

    private func rejected(_ input: String = #function) -> InvalidTransition {
        InvalidTransition(input: input, state: state.rawValue)
    }
}
