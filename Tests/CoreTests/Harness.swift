//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared

/// Drives a ``Supervisor`` through the production ``SupervisorDriver`` over fake effects, with a
/// fake clock and fake pids: spawn orders are answered with `spawned` at once, timers fire in
/// order as time advances.
struct Harness {
    let effects: FakeEffects
    let driver: SupervisorDriver
    /// Every action seen, in order.
    var history: [SupervisorAction] = []

    init(_ pools: [PoolConfiguration], shutdownDelay: Duration = .zero, policy: SupervisorPolicy = SupervisorPolicy()) {
        effects = FakeEffects()
        driver = SupervisorDriver(
            supervisor: Supervisor(pools: pools, shutdownDelay: shutdownDelay, policy: policy),
            effects: effects
        )
    }

    /// Pools that have started: every worker ready, so start-up failure rules no longer apply.
    static func running(_ pools: [PoolConfiguration], shutdownDelay: Duration = .zero) -> Harness {
        var harness = Harness(pools, shutdownDelay: shutdownDelay)
        harness.send(.start)
        harness.readyAll()
        return harness
    }

    var supervisor: Supervisor { driver.supervisor }

    /// The fake clock.
    var now: Instant {
        get { effects.now }
        nonmutating set { effects.now = newValue }
    }

    /// Pids of every worker spawned, by worker.
    var pids: [WorkerID: Int32] { effects.pids }

    /// Error text for spawns that should fail, consumed in order.
    var failingSpawns: [String] {
        get { effects.failingSpawns }
        nonmutating set { effects.failingSpawns = newValue }
    }

    /// Feeds an event through the driver and returns every action this caused.
    @discardableResult
    mutating func send(_ event: SupervisorEvent) -> [SupervisorAction] {
        let produced = driver.feed(event)
        history += produced
        return produced
    }

    /// Moves the clock forward, firing every timer that comes due on the way, at its time.
    @discardableResult
    mutating func advance(_ duration: Duration) -> [SupervisorAction] {
        let target = now + duration
        var produced: [SupervisorAction] = []
        while let deadline = effects.timer, deadline <= target {
            now = max(now, deadline)
            effects.timer = nil  // fired: the driver arms it again if something is still due
            let fired = driver.timerFired()
            history += fired
            produced += fired
        }
        now = target
        return produced
    }

    @discardableResult
    mutating func ready(_ pid: Int32) -> [SupervisorAction] {
        var message = NotifyMessage()
        message.ready = true
        return send(.notified(pid: pid, message))
    }

    @discardableResult
    mutating func exit(_ pid: Int32, _ status: ExitStatus = .exited(1)) -> [SupervisorAction] {
        send(.exited(pid: pid, status: status))
    }

    var status: StatusSnapshot { supervisor.status(at: now) }

    func pool(_ name: String = "web") -> PoolStatus {
        status.pools.first { $0.name == name }!
    }

    /// Live worker pids of a pool in a given state, by slot.
    func pids(_ name: String = "web", state: WorkerStatus.State) -> [Int32] {
        pool(name).workers.filter { $0.state == state }.sorted { $0.slot < $1.slot }.compactMap(\.pid)
    }

    /// Marks every starting worker ready.
    mutating func readyAll() {
        for pool in status.pools {
            for pid in pids(pool.name, state: .starting) { ready(pid) }
        }
    }

    /// Makes every stopping worker exit the way a signal it was sent would end it.
    mutating func exitStopping(_ name: String = "web") {
        for pid in pids(name, state: .stopping) { exit(pid, .signaled(.terminate, coreDumped: false)) }
    }
}

// MARK: - Reading actions

extension Array where Element == SupervisorAction {
    var spawns: [SpawnOrder] {
        compactMap { if case .spawn(let order) = $0 { order } else { nil } }
    }

    var signals: [(pid: Int32, signal: Signal, group: Bool)] {
        compactMap {
            if case .signal(_, let pid, let signal, let group) = $0 { (pid, signal, group) } else { nil }
        }
    }

    var notices: [Notice] {
        compactMap { if case .notice(let notice) = $0 { notice } else { nil } }
    }

    var systemd: [SystemdNotification] {
        compactMap { if case .notifySystemd(let message) = $0 { message } else { nil } }
    }

    /// READY, RELOADING, STOPPING and ERRNO: without STATUS and EXTEND_TIMEOUT_USEC.
    var systemdWithoutStatus: [SystemdNotification] {
        systemd.filter {
            switch $0 {
            case .status, .extendTimeout: false
            default: true
            }
        }
    }

    var timeoutExtensions: [Duration] {
        systemd.compactMap { if case .extendTimeout(let duration) = $0 { duration } else { nil } }
    }

    var replies: [(client: UInt64, result: Result<CommandOutcome, CommandFailure>)] {
        compactMap { if case .reply(let client, let result) = $0 { (client, result) } else { nil } }
    }

    var exitCode: Int32? {
        compactMap { if case .exit(let code) = $0 { code } else { nil } }.first
    }

    var configurationLoads: [UInt64] {
        compactMap { if case .loadConfiguration(let id) = $0 { id } else { nil } }
    }

    var stopsAccepting: Bool {
        contains { if case .stopAccepting = $0 { true } else { false } }
    }
}

extension Result where Failure == CommandFailure {
    var failureCode: ErrorCode? {
        if case .failure(let failure) = self { failure.code } else { nil }
    }
}

// MARK: - Pools used by the tests

func uvicornPool(
    _ name: String = "web",
    workers: Int = 2,
    heartbeat: Duration? = nil,
    maxSurge: Int? = nil
) -> PoolConfiguration {
    PoolConfiguration(
        name: name,
        kind: .uvicorn(UvicornOptions(app: "main:app")),
        workers: workers,
        binds: [BindAddress(.tcp(host: "127.0.0.1", port: 8000))],
        bootTimeout: .seconds(10),
        heartbeatTimeout: heartbeat,
        gracefulTimeout: .seconds(30),
        maxSurge: maxSurge
    )
}

func commandPool(_ name: String = "jobs", workers: Int = 1, waitReady: Bool = false) -> PoolConfiguration {
    PoolConfiguration(
        name: name,
        kind: .command(arguments: ["/bin/sleep", "1000"]),
        workers: workers,
        binds: [],
        waitReady: waitReady,
        heartbeatTimeout: .seconds(5)
    )
}
