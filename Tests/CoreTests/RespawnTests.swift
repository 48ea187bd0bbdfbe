//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import Testing

@Suite("Respawn and backoff")
struct RespawnTests {
    /// A pool that has been fully ready, so start-up failure rules no longer apply.
    func runningHarness(workers: Int = 2) -> Harness {
        Harness.running([uvicornPool(workers: workers)])
    }

    @Test("a worker that dies is replaced at once in the same slot")
    func immediateRespawn() throws {
        var harness = runningHarness()
        let victim = harness.pids(state: .ready)[1]
        let actions = harness.exit(victim, .signaled(.kill, coreDumped: false))
        #expect(actions.spawns.map(\.slot) == [1])
        #expect(actions.spawns.first?.generation == 1)
        #expect(actions.notices.contains { if case .workerExited(_, _, failed: true) = $0 { true } else { false } })
        let slot1 = harness.pool().workers.first { $0.slot == 1 }!
        #expect(slot1.state == .starting)
        #expect(slot1.restarts == 1)
        #expect(slot1.lastExit == "killed by SIGKILL")
    }

    @Test("failures in a row back off: 0, 0.1, 0.2, 0.4 s … capped at 30 s")
    func exponentialBackoff() throws {
        var harness = runningHarness(workers: 1)
        var expected: [Duration] = [
            .zero, .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800),
        ]
        for _ in 0..<20 { expected.append(min(expected.last! * 2, .seconds(30))) }
        for (attempt, delay) in expected.enumerated() {
            let pid = harness.pool().workers[0].pid!
            let actions = harness.exit(pid)
            if delay == .zero {
                #expect(actions.spawns.count == 1, "attempt \(attempt)")
            } else {
                #expect(actions.spawns.isEmpty, "attempt \(attempt)")
                #expect(harness.pool().workers[0].state == .backoff)
                #expect(harness.pool().state == .backoff)
                #expect(harness.supervisor.nextDeadline == harness.now + delay, "attempt \(attempt)")
                #expect(harness.advance(delay).spawns.count == 1, "attempt \(attempt)")
            }
        }
        #expect(harness.pool().workers[0].restarts == expected.count)
    }

    @Test("a worker ready for 10 s resets its slot's backoff")
    func backoffReset() throws {
        var harness = runningHarness(workers: 1)
        for _ in 0..<4 {
            harness.exit(harness.pool().workers[0].pid!)
            harness.advance(.seconds(1))
        }
        harness.ready(harness.pool().workers[0].pid!)
        harness.advance(.seconds(10))
        let actions = harness.exit(harness.pool().workers[0].pid!)
        #expect(actions.spawns.count == 1)
    }

    @Test("a ready worker that says STOPPING=1 by itself is replaced at once, surge first, without a failure")
    func recycledWorker() throws {
        var harness = runningHarness(workers: 1)
        let pid = harness.pool().workers[0].pid!
        var actions = harness.send(.notified(pid: pid, NotifyMessage(parsing: "STOPPING=1")))
        // The replacement starts while the old worker drains; nothing is signalled.
        #expect(actions.spawns.map(\.slot) == [0])
        #expect(actions.signals.isEmpty)
        #expect(harness.pool().running == 2)
        actions = harness.exit(pid, .exited(0))
        #expect(actions.spawns.isEmpty)
        #expect(actions.notices.contains { if case .workerExited(_, _, failed: false) = $0 { true } else { false } })
        #expect(harness.pool().workers[0].restarts == 0)
        // One that hangs while draining is killed after the graceful timeout.
        harness.readyAll()
        let next = harness.pool().workers[0].pid!
        harness.send(.notified(pid: next, NotifyMessage(parsing: "STOPPING=1")))
        harness.readyAll()
        let killed = harness.advance(.seconds(30)).signals
        #expect(killed.map(\.signal) == [.kill])
        #expect(killed.map(\.pid) == [next])
    }

    @Test("a starting worker that announced STOPPING=1 and exits 0 is replaced without counting a failure")
    func announcedStop() throws {
        var harness = Harness([uvicornPool(workers: 1)])
        harness.send(.start)
        let pid = harness.pool().workers[0].pid!
        harness.send(.notified(pid: pid, NotifyMessage(parsing: "STOPPING=1")))
        let actions = harness.exit(pid, .exited(0))
        #expect(actions.spawns.count == 1)
        #expect(actions.notices.contains { if case .workerExited(_, _, failed: false) = $0 { true } else { false } })
        #expect(harness.pool().workers[0].restarts == 0)
    }

    @Test("an orphan's exit is reported and changes nothing")
    func orphan() throws {
        var harness = runningHarness()
        let before = harness.status
        let actions = harness.exit(31_337, .exited(0))
        #expect(actions.notices == [.orphanReaped(pid: 31_337, .exited(0))])
        #expect(harness.status == before)
    }

    @Test("a spawn that fails counts as a failure and backs off")
    func spawnFailure() throws {
        var harness = runningHarness(workers: 1)
        harness.failingSpawns = ["drover-worker: not found", "drover-worker: not found"]
        let actions = harness.exit(harness.pool().workers[0].pid!)
        #expect(
            actions.notices.contains {
                if case .spawnFailed(_, let error) = $0 { error.contains("not found") } else { false }
            }
        )
        #expect(harness.pool().workers[0].state == .backoff)
        #expect(harness.pool().workers[0].lastExit?.contains("not found") == true)
    }

    @Test("status keeps the stderr tail of a failing slot")
    func stderrTail() throws {
        var harness = runningHarness(workers: 1)
        let first = harness.pids.first { $0.value == harness.pool().workers[0].pid! }!.key
        harness.send(.output(first, lines: ["Traceback (most recent call last):", "ValueError: boom"]))
        harness.exit(harness.pool().workers[0].pid!, .exited(1))
        #expect(harness.pool().workers[0].stderrTail == ["Traceback (most recent call last):", "ValueError: boom"])
        #expect(harness.pool().workers[0].lastExit == "exit 1")
    }

    @Test("start-up: no worker of a pool ever ready after 3 failures of a slot: quick stop, exit 3, with the error")
    func startupFailure() throws {
        var harness = Harness([uvicornPool(workers: 2), commandPool(workers: 1)])
        harness.send(.start)
        var pid = harness.pids(state: .starting)[0]
        let id = harness.pids.first { $0.value == pid }!.key
        harness.send(.output(id, lines: ["ModuleNotFoundError: No module named 'main'"]))
        harness.exit(pid, .exited(3))  // failure 1: at once
        pid = harness.pool().workers[0].pid!
        harness.exit(pid, .exited(3))  // failure 2: after 0.1 s
        harness.advance(.milliseconds(100))
        pid = harness.pool().workers[0].pid!
        let actions = harness.exit(pid, .exited(3))  // failure 3: give up
        #expect(actions.stopsAccepting)
        // The dead worker's process group is killed; every other worker gets the quick-stop signal.
        #expect(actions.signals.map(\.signal) == [.kill, .interrupt, .interrupt])
        #expect(actions.signals.first?.pid == pid && actions.signals.first?.group == true)
        #expect(actions.exitCode == nil)
        for pid in [harness.pids("web", state: .stopping), harness.pids("jobs", state: .stopping)].joined() {
            harness.exit(pid, .exited(0))
        }
        #expect(harness.history.exitCode == 3)
        // The reason is told last, once every worker is gone.
        guard case .startupFailed(let pool, let reason) = harness.history.notices.last else {
            Issue.record("the last notice is \(String(describing: harness.history.notices.last))")
            return
        }
        #expect(pool == "web")
        #expect(reason.contains("3 attempts"))
    }

    @Test("start-up failure carries the failing worker's last stderr line")
    func startupFailureMessage() throws {
        var harness = Harness([uvicornPool(workers: 1)])
        harness.send(.start)
        var last: [SupervisorAction] = []
        for _ in 0..<3 {
            let pid = harness.pool().workers[0].pid!
            let id = harness.pids.first { $0.value == pid }!.key
            harness.send(.output(id, lines: ["SyntaxError: invalid syntax", ""]))
            last = harness.exit(pid, .exited(3))
            harness.advance(.seconds(1))
        }
        let reasons = harness.history.notices.compactMap {
            if case .startupFailed(_, let reason) = $0 { reason } else { nil }
        }
        #expect(reasons.count == 1)
        #expect(reasons.first?.hasSuffix("SyntaxError: invalid syntax") == true)
        #expect(last.exitCode == 3 || harness.history.exitCode == 3)
    }

    @Test("after start-up, failures never make droverd exit")
    func noExitAfterStartup() throws {
        var harness = runningHarness(workers: 1)
        for _ in 0..<10 {
            harness.exit(harness.pool().workers[0].pid!, .exited(3))
            harness.advance(.seconds(60))
        }
        #expect(harness.history.exitCode == nil)
        #expect(!harness.supervisor.isStopping)
    }
}
