//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// The event pump: feeds events to the ``Supervisor`` one at a time and carries out the actions
/// it returns, in order, through ``SupervisorEffects``; the events those cause (a spawn's pid, a
/// loaded configuration, an event fed from inside an effect) are handled next, before the pump
/// rests. Then it arms the timer and the readiness poll for what is due.
///
/// droverd runs it over POSIX effects on its event loop; the core's tests run the same driver
/// over fakes. It is not thread-safe: feed it from one thread (droverd's loop).
public final class SupervisorDriver {
    /// The state machine, for reading (status, deadlines); only the driver feeds it.
    public private(set) var supervisor: Supervisor
    private unowned let effects: any SupervisorEffects
    private var pending: [SupervisorEvent] = []
    private var handling = false
    private var armedDeadline: Instant?
    /// The instant a timer pass reads its pages at: every event of the pass is handled at it.
    private var passInstant: Instant?

    /// A driver for `supervisor` acting through `effects` (which the caller keeps alive).
    public init(supervisor: Supervisor, effects: any SupervisorEffects) {
        self.supervisor = supervisor
        self.effects = effects
    }

    /// Handles an event and everything it causes; returns every action carried out, in order
    /// (none when called from inside an effect: the event is queued and handled by the outer call).
    @discardableResult
    public func feed(_ event: SupervisorEvent) -> [SupervisorAction] {
        pending.append(event)
        guard !handling else { return [] }
        handling = true
        var performed: [SupervisorAction] = []
        var next = 0
        while next < pending.count {
            let event = pending[next]
            next += 1
            let actions = supervisor.handle(event, at: passInstant ?? effects.now)
            performed += actions
            for action in actions { perform(action) }
        }
        pending.removeAll(keepingCapacity: true)
        handling = false
        let deadline = supervisor.nextDeadline
        if deadline != armedDeadline {
            armedDeadline = deadline
            effects.armTimer(at: deadline)
        }
        if !supervisor.observationsDue.isEmpty { effects.armReadinessPoll() }
        return performed
    }

    /// The timer armed with ``SupervisorEffects/armTimer(at:)`` fired: reads the heartbeat pages
    /// that are due, then tells the supervisor the time has come.
    ///
    /// The whole pass happens at one instant, taken before the first page is read: a deadline is
    /// judged at the time its page was read, never later. (If droverd is stopped or starved
    /// between a read and the judgement, a later clock would see a fresh stamp as stale, or a
    /// deadline that came due after the reads as passed with its page unread.)
    @discardableResult
    public func timerFired() -> [SupervisorAction] {
        armedDeadline = nil
        let now = effects.now
        passInstant = now
        defer { passInstant = nil }
        var performed: [SupervisorAction] = []
        for id in supervisor.heartbeatReadsDue(at: now) {
            guard let stamp = effects.lastHeartbeat(of: id) else { continue }
            performed += feed(.heartbeat(id, stamp: stamp, oldestRequest: effects.oldestRequest(of: id)))
        }
        for (id, pid) in supervisor.memorySamplesDue(at: now) {
            performed += feed(.memorySampled(id, bytes: effects.uniqueMemory(of: pid)))
        }
        return performed + feed(.timerFired)
    }

    /// The readiness poll armed with ``SupervisorEffects/armReadinessPoll()`` came due: reports
    /// every starting worker seen accepting, and arms the poll again while some are still due.
    @discardableResult
    public func observeReadiness() -> [SupervisorAction] {
        var performed: [SupervisorAction] = []
        for (id, pid, binds) in supervisor.observationsDue where effects.isAccepting(id, pid: pid, binds: binds) {
            performed += feed(.observedAccepting(id))
        }
        if !supervisor.observationsDue.isEmpty { effects.armReadinessPoll() }
        return performed
    }

    private func perform(_ action: SupervisorAction) {
        switch action {
        case .spawn(let order): if let event = effects.spawn(order) { pending.append(event) }
        case .signal(let id, let pid, let signal, let group):
            effects.signal(id, pid: pid, signal, processGroup: group)
        case .probe(let id, let pid, let path, let timeout): effects.probe(id, pid: pid, path: path, timeout: timeout)
        case .release(let id): effects.release(id)
        case .stopAccepting(let binds): effects.stopAccepting(binds)
        case .retainListeners(let binds): effects.retainListeners(binds)
        case .reopenLogs: effects.reopenLogs()
        case .loadConfiguration(let request): effects.loadConfiguration(request)
        case .reply(let client, let result): effects.reply(to: client, result)
        case .notice(let notice): effects.report(notice)
        case .notifySystemd(let notification): effects.notifySystemd(notification)
        case .exit(let code): effects.exit(status: code)
        }
    }
}
