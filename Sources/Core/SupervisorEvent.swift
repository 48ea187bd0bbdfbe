//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// Something that happened, fed into ``Supervisor/handle(_:at:)``.
public enum SupervisorEvent: Sendable {
    /// Begin: spawn every pool.
    case start
    /// The shell started a worker the supervisor asked for.
    case spawned(WorkerID, pid: Int32)
    /// The shell could not start a worker (e.g. the program does not exist).
    case spawnFailed(WorkerID, error: String)
    /// A child exited (any child: unknown pids are orphans and are only reported).
    case exited(pid: Int32, status: ExitStatus)
    /// A process sent an `sd_notify` datagram to the workers' notify socket.
    case notified(pid: Int32, NotifyMessage)
    /// The shell saw a starting worker of an observed pool accepting on its listening socket.
    case observedAccepting(WorkerID)
    /// The answer to a ``SupervisorAction/probe(_:pid:path:timeout:)``: the HTTP status, or nil
    /// with why there was none (refused, timed out, not HTTP).
    case probed(WorkerID, status: Int?, detail: String)
    /// What a worker last wrote on its heartbeat page: its stamp, and (with `request_timeout`) when
    /// its oldest request in flight started, nil when none is.
    case heartbeat(WorkerID, stamp: Instant, oldestRequest: Instant? = nil)
    /// Lines a worker wrote to stderr.
    case output(WorkerID, lines: [String])
    /// The deadline the supervisor asked for has come.
    case timerFired
    /// A worker's unique memory (USS), as the shell read it when ``Supervisor/memorySamplesDue(at:)``
    /// listed it; nil when it could not be read.
    case memorySampled(WorkerID, bytes: UInt64?)
    /// `memory_pressure`: droverd's memory cgroup signalled that memory is short; the unique memory
    /// of each ready worker, as the shell read it then.
    case memoryPressure(sizes: [WorkerID: UInt64])
    /// `follow_cpu_limit`: the shell re-read the CPU budget and it changed from `was` to `cpus`
    /// (`rule` says which rule decided it). The core resizes the pools sized from the budget, unless
    /// an operator scaled them.
    case cpuBudgetChanged(cpus: Int, was: Int, rule: String)
    /// An operator asked for something (signal or control socket).
    case command(Command, from: Requester)
    /// The shell finished loading the configuration for a reload.
    case configurationLoaded(UInt64, Result<[PoolConfiguration], ConfigurationError>)
    /// Reload mode: the shell's file watcher saw these files change. After
    /// ``SupervisorPolicy/reloadDebounce`` without another change, every pool restarts once.
    case filesChanged([String])
    /// A hook of the Gunicorn configuration file raised (the shell runs the hooks).
    case hookFailed(hook: String, reason: String)
}

/// What an operator can ask for.
public enum Command: Hashable, Sendable {
    /// Change a pool's size (nil pool: the first).
    case scale(pool: String?, ScaleChange)
    /// Re-read the configuration and roll every pool out to a new generation.
    case reload
    /// Roll one pool (or all, for nil) out to a new generation with the same configuration.
    case restart(pool: String?)
    /// Stop every worker, then exit. A graceful stop `afterDelay` (SIGTERM, `stop`) first spends the
    /// shutdown delay not ready, still serving; SIGINT (a terminal's Ctrl-C) stops without it.
    case stop(StopMode, afterDelay: Bool = true)
    /// Reopen droverd's log file and pass SIGUSR1 on to every worker (they reopen theirs).
    case reopenLogs

    /// What a signal to droverd asks for, as Gunicorn's arbiter has it; nil for one droverd
    /// ignores (SIGCHLD is the shell's: it reaps).
    public init?(signal: Signal) {
        switch signal {
        case .terminate: self = .stop(.graceful)
        case .interrupt: self = .stop(.graceful, afterDelay: false)
        case .quit: self = .stop(.quick)
        case .hangup: self = .reload
        // TTIN/TTOU: the first pool, one up or down, never below one worker (Gunicorn's floor).
        case .ttyInput: self = .scale(pool: nil, ScaleChange(.by(1), floor: 1))
        case .ttyOutput: self = .scale(pool: nil, ScaleChange(.by(-1), floor: 1))
        case .user1: self = .reopenLogs
        default: return nil
        }
    }
}

/// A new pool size, absolute or relative, never below `floor`.
public struct ScaleChange: Hashable, Sendable {
    public var amount: ScaleAmount
    /// The smallest size this change may reach (TTOU keeps 1 worker, like Gunicorn).
    public var floor: Int
    /// Whether a pool with binds may go down to 0 workers (nobody would serve its sockets).
    public var allowZero: Bool

    public init(_ amount: ScaleAmount, floor: Int = 0, allowZero: Bool = false) {
        self.amount = amount
        self.floor = floor
        self.allowZero = allowZero
    }
}

/// Who asked: a signal (nobody to answer) or a control-socket client.
public enum Requester: Hashable, Sendable {
    case signal
    case client(UInt64)
}
