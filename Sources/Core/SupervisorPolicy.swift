//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// The supervisor's fixed rules: backoff, escalation delays, limits.
public struct SupervisorPolicy: Hashable, Sendable {
    /// Respawn delay after the second failure in a row; it doubles with each further one.
    /// (The first failure respawns at once.)
    public var backoffBase: Duration = .milliseconds(100)
    /// The longest respawn delay.
    public var backoffCap: Duration = .seconds(30)
    /// A worker ready for this long resets its slot's failure count.
    public var backoffResetAfter: Duration = .seconds(10)
    /// Failures of one slot, before any worker of its pool was ever ready at start-up,
    /// after which droverd gives up and exits.
    public var startupAttempts = 3
    /// Time between the abort signal (SIGABRT, for a stack dump) and SIGKILL.
    public var abortGrace: Duration = .seconds(1)
    /// Time a quick stop gives workers before SIGKILL.
    public var quickStopTimeout: Duration = .seconds(2)
    /// How often the launcher stamps its heartbeat page: the one stated value of that cadence.
    /// The launcher keeps a copy (`drover_worker.heartbeat.HEARTBEAT_INTERVAL`), and so do
    /// docs/DESIGN.md and python/README.md; `HeartbeatCadenceTests` fails when one disagrees.
    public var heartbeatInterval: Duration = .milliseconds(100)
    /// Allowance for the launcher's stamp interval (several of them, so a late stamp is no
    /// kill): a heartbeat page is checked at last stamp + timeout + slack, so the kill lands
    /// between T and T + slack after the loop blocked.
    public var heartbeatSlack: Duration = .milliseconds(500)
    /// Lines of stderr kept per worker.
    public var tailLines = 20
    /// Bytes kept of one stderr line.
    public var tailLineBytes = 512
    /// How long one `ready_probe` request may take, and the pause before the next one.
    public var probeTimeout: Duration = .seconds(1)
    public var probeInterval: Duration = .milliseconds(200)
    /// The launcher's idle grace: a share of the graceful timeout, at most this long…
    public var idleGraceCap: Duration = .seconds(1)
    /// …and this share of it (1/4).
    public var idleGraceDivisor = 4
    /// What the launcher leaves unused of the graceful timeout, to be done before the kill.
    public var launcherMargin: Duration = .milliseconds(500)
    /// The least the launcher gets for in-flight requests and lifespan shutdown.
    public var launcherMinimum: Duration = .milliseconds(100)

    /// The launcher's share of a pool's graceful timeout `graceful`.
    public func launcherBudget(graceful: Duration) -> LauncherBudget {
        let idle = min(idleGraceCap, graceful / idleGraceDivisor)
        return LauncherBudget(idleGrace: idle, graceful: max(graceful - idle - launcherMargin, launcherMinimum))
    }

    /// Reload mode: how long the files must stay unchanged before the workers restart (editors
    /// write in bursts).
    public var reloadDebounce: Duration = .milliseconds(100)
    /// A ready worker killed from outside (the OOM killer, an operator's `kill`: SIGKILL, SIGTERM,
    /// SIGINT, SIGHUP, SIGQUIT) is no crash loop: it is replaced at once, not after a backoff, but at
    /// most once per this interval per slot (10 a second).
    public var killRespawnInterval: Duration = .milliseconds(100)
    /// The signals that mean "killed from outside" rather than "crashed" (SIGSEGV, SIGABRT, … are crashes).
    public var outsideKillSignals: Set<Signal> = [.kill, .terminate, .interrupt, .hangup, .quit]

    /// The most workers one pool may have.
    public var maxWorkersPerPool = 10_000

    public init() {}

    /// The respawn delay after `failures` failures in a row.
    public func backoff(afterFailures failures: Int) -> Duration {
        guard failures > 1 else { return .zero }
        let exponent = min(failures - 2, 30)
        let delay = backoffBase * (1 << exponent)
        return min(delay, backoffCap)
    }
}
