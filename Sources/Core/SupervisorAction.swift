//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// Something the shell must do, returned by ``Supervisor/handle(_:at:)`` in order.
public enum SupervisorAction: Sendable {
    /// Start a worker, then report ``SupervisorEvent/spawned(_:pid:)`` or ``SupervisorEvent/spawnFailed(_:error:)``.
    case spawn(SpawnOrder)
    /// Send a signal to a worker (or to its whole process group).
    case signal(WorkerID, pid: Int32, Signal, processGroup: Bool)
    /// Ask `GET path` on the worker's own probe socket (`ready_probe`), giving up after `timeout`;
    /// answer with ``SupervisorEvent/probed(_:status:detail:)``.
    case probe(WorkerID, pid: Int32, path: String, timeout: Duration)
    /// The worker is gone (after it exited, the core first SIGKILLs its process group): free what the shell holds for it (heartbeat page, stderr pipe).
    case release(WorkerID)
    /// Stop accepting connections on these binds: shut the listening sockets droverd bound down
    /// for reading. (A command pool's are left alone: some servers log an error per `accept()`
    /// that fails, and their workers stop accepting when they stop anyway.)
    case stopAccepting([BindAddress])
    /// Close every listening socket droverd bound that none of these binds uses any more.
    case retainListeners([BindAddress])
    /// Reopen droverd's own log file.
    case reopenLogs
    /// Load the configuration again and answer with ``SupervisorEvent/configurationLoaded(_:_:)``.
    case loadConfiguration(UInt64)
    /// Answer a control-socket client.
    case reply(to: UInt64, Result<CommandOutcome, CommandFailure>)
    /// Tell observers (logs, `events` streams) what happened.
    case notice(Notice)
    /// Tell systemd.
    case notifySystemd(SystemdNotification)
    /// Exit with this status; every worker is gone.
    case exit(Int32)
}

/// Everything the shell needs to start one worker.
public struct SpawnOrder: Hashable, Sendable {
    public var worker: WorkerID
    public var configuration: PoolConfiguration
    /// `DROVER_WORKER_INDEX`.
    public var slot: Int
    /// `DROVER_GENERATION`.
    public var generation: Int
    /// The launcher's share of the graceful timeout (uvicorn kind): see
    /// ``SupervisorPolicy/launcherBudget(graceful:)``.
    public var launcherBudget: LauncherBudget

    /// An order to start `worker` in `slot` of `configuration`'s pool.
    public init(
        worker: WorkerID,
        configuration: PoolConfiguration,
        slot: Int,
        generation: Int,
        launcherBudget: LauncherBudget
    ) {
        self.worker = worker
        self.configuration = configuration
        self.slot = slot
        self.generation = generation
        self.launcherBudget = launcherBudget
    }
}

/// What droverd tells systemd.
public enum SystemdNotification: Hashable, Sendable {
    /// `READY=1`: started, or a reload finished.
    case ready
    /// `RELOADING=1` with `MONOTONIC_USEC`.
    case reloading
    /// `STOPPING=1`.
    case stopping
    /// `STATUS=…`.
    case status(String)
    /// `EXTEND_TIMEOUT_USEC=…`: what droverd is about to do (start, reload, drain) may take this long.
    case extendTimeout(Duration)
    /// `ERRNO=…` before a fatal exit.
    case errorNumber(Int32)
}
