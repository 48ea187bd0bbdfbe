//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// The world a ``SupervisorDriver`` acts on: one method per ``SupervisorAction``, plus the clock,
/// the timer and what the driver reads before a timer's event (heartbeat pages, accepting workers).
///
/// droverd's effects are POSIX ones (processes, sockets, systemd, its log); the core's tests use
/// fakes. Every method is called on the driver's thread, never while the supervisor handles an
/// event, so an effect may read the driver's ``SupervisorDriver/supervisor`` or feed it an event
/// (the event is queued until the one being handled is done).
public protocol SupervisorEffects: AnyObject {
    /// The monotonic clock.
    var now: Instant { get }

    /// Starts a worker; returns ``SupervisorEvent/spawned(_:pid:)`` or
    /// ``SupervisorEvent/spawnFailed(_:error:)``, which the driver feeds next — or nil when the
    /// worker is forked from a template still importing: then one of the two is fed later, and
    /// always (the worker is `spawning` until then).
    func spawn(_ order: SpawnOrder) -> SupervisorEvent?
    /// Sends a signal to a worker, or to its whole process group.
    func signal(_ worker: WorkerID, pid: Int32, _ signal: Signal, processGroup: Bool)
    /// Asks a worker's probe socket for `path`; the answer comes back later as
    /// ``SupervisorEvent/probed(_:status:detail:)``.
    func probe(_ worker: WorkerID, pid: Int32, path: String, timeout: Duration)
    /// Frees what is held for a worker that is gone.
    func release(_ worker: WorkerID)
    /// Stops accepting connections on these binds.
    func stopAccepting(_ binds: [BindAddress])
    /// Closes every listening socket none of these binds uses.
    func retainListeners(_ binds: [BindAddress])
    /// Reopens droverd's own log file.
    func reopenLogs()
    /// Loads the configuration again and feeds the result as
    /// ``SupervisorEvent/configurationLoaded(_:_:)`` with this request's number (at once or later).
    func loadConfiguration(_ request: UInt64)
    /// Answers a control-socket client.
    func reply(to client: UInt64, _ result: Result<CommandOutcome, CommandFailure>)
    /// Tells observers (logs, hooks, `events` streams) what happened.
    func report(_ notice: Notice)
    /// Tells systemd.
    func notifySystemd(_ notification: SystemdNotification)
    /// Every worker is gone: droverd exits with this status.
    func exit(status: Int32)

    /// Arms the one timer for `deadline` (nil: none); when it fires, call
    /// ``SupervisorDriver/timerFired()``. Called only when the deadline changes.
    func armTimer(at deadline: Instant?)
    /// Starting workers are to be watched for accepting: call
    /// ``SupervisorDriver/observeReadiness()`` a little later (about 50 ms), once.
    func armReadinessPoll()
    /// A worker's unique memory in bytes (USS: its private pages), if it can be read.
    func uniqueMemory(of pid: Int32) -> UInt64?
    /// The last stamp on a worker's heartbeat page, if it has one.
    func lastHeartbeat(of worker: WorkerID) -> Instant?
    /// When the oldest request in flight on a worker's heartbeat page started, nil when none is
    /// (`request_timeout`; the launcher writes it with each stamp).
    func oldestRequest(of worker: WorkerID) -> Instant?
    /// Whether a starting worker is seen accepting on one of `binds` (true also when that cannot
    /// be seen: then the effects say so in their log).
    func isAccepting(_ worker: WorkerID, pid: Int32, binds: [BindAddress]) -> Bool
}

extension SupervisorEffects {
    /// Effects without request tracking (tests' fakes) see no request in flight.
    public func oldestRequest(of worker: WorkerID) -> Instant? { nil }
}
