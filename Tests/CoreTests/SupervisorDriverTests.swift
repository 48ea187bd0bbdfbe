//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import Testing

/// The event pump droverd runs, over fake effects: what it carries out, in which order, and what
/// it arms.
@Suite("The driver") struct SupervisorDriverTests {
    @Test("a spawn's pid is handled in the same pump, and the boot timer is armed once")
    func spawnsAndArms() {
        let effects = RecordingEffects()
        let driver = SupervisorDriver(supervisor: Supervisor(pools: [uvicornPool(workers: 2)]), effects: effects)
        let actions = driver.feed(.start)
        #expect(actions.spawns.count == 2)
        #expect(effects.spawned.count == 2)
        // Both pids reached the core: the workers show as starting with their pids.
        #expect(driver.supervisor.status(at: effects.now).pools[0].workers.compactMap(\.pid) == [100, 101])
        #expect(effects.timers == [effects.now + .seconds(10)])  // the boot timeout, armed once
        driver.feed(.output(effects.spawned[0], lines: ["hello"]))
        #expect(effects.timers.count == 1)  // unchanged deadline: not armed again
    }

    @Test("an event fed from inside an effect waits for the one being handled, then is handled")
    func reentrantFeed() {
        let effects = RecordingEffects()
        let driver = SupervisorDriver(supervisor: Supervisor(pools: [uvicornPool(workers: 1)]), effects: effects)
        effects.onReport = { notice in
            // A worker's readiness arrives while the start-up notice is being reported.
            if case .workerSpawned = notice, let pid = effects.pids.first {
                var message = NotifyMessage()
                message.ready = true
                #expect(driver.feed(.notified(pid: pid, message)).isEmpty)  // queued, not handled here
            }
        }
        let actions = driver.feed(.start)
        #expect(actions.systemd.contains(.ready))
        #expect(driver.supervisor.status(at: effects.now).pools[0].workers.first?.state == .ready)
    }

    @Test("the readiness poll is armed while a starting worker is observed, and reports what it sees")
    func readinessPoll() {
        let effects = RecordingEffects()
        var pool = commandPool("web", workers: 1)
        pool.binds = [BindAddress(.tcp(host: "127.0.0.1", port: 8000))]
        pool.readiness = .observed
        let driver = SupervisorDriver(supervisor: Supervisor(pools: [pool]), effects: effects)
        driver.feed(.start)
        #expect(effects.readinessPolls > 0)
        let armed = effects.readinessPolls
        driver.observeReadiness()  // not accepting yet: looked at, armed again
        #expect(effects.readinessPolls == armed + 1)
        effects.accepting = Set(effects.spawned)
        let actions = driver.observeReadiness()
        #expect(actions.systemd.contains(.ready))
        #expect(effects.readinessPolls == armed + 1)  // nothing left to observe
    }

    @Test("a timer reads the heartbeat pages that are due before the core hears the time")
    func heartbeatPages() {
        let effects = RecordingEffects()
        let driver = SupervisorDriver(
            supervisor: Supervisor(pools: [uvicornPool(workers: 1, heartbeat: .seconds(5))]),
            effects: effects
        )
        driver.feed(.start)
        var message = NotifyMessage()
        message.ready = true
        driver.feed(.notified(pid: 100, message))
        let deadline = effects.timers.last!!
        effects.now = deadline
        effects.heartbeats[effects.spawned[0]] = deadline
        let actions = driver.timerFired()
        #expect(actions.signals.isEmpty)  // the fresh stamp moved the deadline: nobody is killed
        #expect(effects.timers.last! == deadline + .milliseconds(5_500))  // the timeout and its read slack
    }

    @Test("a timer pass judges deadlines at the instant it read the pages, however long droverd stalls meanwhile")
    func stalledTimerPass() {
        let effects = RecordingEffects()
        let driver = SupervisorDriver(
            supervisor: Supervisor(pools: [uvicornPool(workers: 2, heartbeat: .seconds(5))]),
            effects: effects
        )
        driver.feed(.start)
        var message = NotifyMessage()
        message.ready = true
        driver.feed(.notified(pid: 100, message))
        effects.now = effects.now + .seconds(1)
        driver.feed(.notified(pid: 101, message))  // its deadline is 1 s after the first one's
        let deadline = effects.timers.compactMap { $0 }.min()!
        effects.now = deadline
        for id in effects.spawned { effects.heartbeats[id] = deadline }  // both beat just now
        effects.stallPerRead = .seconds(5)  // droverd stopped (SIGSTOP) after every look at the clock
        let actions = driver.timerFired()
        #expect(actions.signals.isEmpty)  // neither fresh stamp is read as stale, nor a due page left unread
    }
}

/// Fake effects that record what the driver asked for.
private final class RecordingEffects: SupervisorEffects {
    /// The clock; with `stallPerRead`, every read of it moves it on by that much.
    var now: Instant {
        get {
            defer { clock = clock + stallPerRead }
            return clock
        }
        set { clock = newValue }
    }
    var clock = Instant(nanoseconds: 1_000_000_000_000)
    var stallPerRead: Duration = .zero
    var spawned: [WorkerID] = []
    var pids: [Int32] = []
    var timers: [Instant?] = []
    var readinessPolls = 0
    var accepting: Set<WorkerID> = []
    var heartbeats: [WorkerID: Instant] = [:]
    var onReport: (Notice) -> Void = { _ in }

    func spawn(_ order: SpawnOrder) -> SupervisorEvent? {
        spawned.append(order.worker)
        let pid = Int32(100 + pids.count)
        pids.append(pid)
        return .spawned(order.worker, pid: pid)
    }
    func signal(_ worker: WorkerID, pid: Int32, _ signal: Signal, processGroup: Bool) {}
    func probe(_ worker: WorkerID, pid: Int32, path: String, timeout: Duration) {}
    func release(_ worker: WorkerID) {}
    func stopAccepting(_ binds: [BindAddress]) {}
    func retainListeners(_ binds: [BindAddress]) {}
    func reopenLogs() {}
    func loadConfiguration(_ request: UInt64) {}
    func reply(to client: UInt64, _ result: Result<CommandOutcome, CommandFailure>) {}
    func report(_ notice: Notice) { onReport(notice) }
    func notifySystemd(_ notification: SystemdNotification) {}
    func exit(status: Int32) {}
    func armTimer(at deadline: Instant?) { timers.append(deadline) }
    func armReadinessPoll() { readinessPolls += 1 }
    func uniqueMemory(of pid: Int32) -> UInt64? { nil }
    func lastHeartbeat(of worker: WorkerID) -> Instant? { heartbeats[worker] }
    func isAccepting(_ worker: WorkerID, pid: Int32, binds: [BindAddress]) -> Bool { accepting.contains(worker) }
}
