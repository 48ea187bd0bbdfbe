//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import Testing

@Suite("Boot and heartbeat timeouts")
struct TimeoutTests {
    @Test("no READY within the boot timeout: SIGABRT, SIGKILL to the group after the abort grace, respawn")
    func bootTimeout() throws {
        var harness = Harness([uvicornPool(workers: 1)])
        harness.send(.start)
        var actions = harness.advance(.milliseconds(9_999))
        #expect(actions.signals.isEmpty)
        actions = harness.advance(.milliseconds(1))
        #expect(actions.signals.map(\.signal) == [.abort])
        #expect(actions.signals.first?.pid == 100)
        #expect(actions.notices.contains { if case .workerTimedOut(_, .bootTimeout, _) = $0 { true } else { false } })
        #expect(harness.pool().workers[0].state == .stopping)
        actions = harness.advance(.seconds(1))
        #expect(actions.signals.map(\.signal) == [.kill])
        #expect(actions.signals.first?.group == true)
        actions = harness.exit(100, .signaled(.kill, coreDumped: false))
        #expect(actions.spawns.count == 1)
        #expect(harness.pool().workers[0].restarts == 1)
        #expect(harness.pool().workers[0].lastExit?.contains("boot timeout") == true)
    }

    @Test("a worker that exits by itself after the abort signal is not killed again")
    func abortThenExit() throws {
        var harness = Harness([uvicornPool(workers: 1)])
        harness.send(.start)
        harness.advance(.seconds(10))
        harness.exit(100, .signaled(.abort, coreDumped: true))
        let actions = harness.advance(.seconds(5))
        #expect(!actions.signals.contains { $0.signal == .kill })
    }

    @Test("EXTEND_TIMEOUT_USEC pushes the boot deadline out")
    func extendBoot() throws {
        var harness = Harness([uvicornPool(workers: 1)])
        harness.send(.start)
        harness.advance(.seconds(9))
        harness.send(.notified(pid: 100, NotifyMessage(parsing: "EXTEND_TIMEOUT_USEC=5000000")))
        #expect(harness.advance(.seconds(4)).signals.isEmpty)
        #expect(harness.advance(.seconds(1)).signals.map(\.signal) == [.abort])
    }

    @Test("heartbeat page: the check comes at last stamp + T + slack, and fresh stamps move it")
    func heartbeatPage() throws {
        var harness = Harness([uvicornPool(workers: 1, heartbeat: .seconds(5))])
        harness.send(.start)
        harness.ready(100)
        let readyAt = harness.now
        #expect(harness.supervisor.nextDeadline == readyAt + .milliseconds(5_500))
        // The shell reads the page only when the deadline has come.
        #expect(harness.supervisor.heartbeatReadsDue(at: harness.now).isEmpty)
        harness.now = readyAt + .milliseconds(5_500)
        let due = harness.supervisor.heartbeatReadsDue(at: harness.now)
        #expect(due.count == 1)
        // The launcher stamped 3 s after ready: the worker is alive, re-arm from the stamp.
        harness.send(.heartbeat(due[0], stamp: readyAt + .seconds(3)))
        #expect(harness.send(.timerFired).signals.isEmpty)
        #expect(harness.supervisor.nextDeadline == readyAt + .milliseconds(8_500))
        // No newer stamp: the loop blocked right after 3 s; the kill comes T + slack after the stamp.
        harness.now = readyAt + .milliseconds(8_500)
        harness.send(.heartbeat(due[0], stamp: readyAt + .seconds(3)))
        let actions = harness.send(.timerFired)
        #expect(actions.signals.map(\.signal) == [.abort])
        #expect(
            actions.notices.contains {
                if case .workerTimedOut(_, .heartbeatTimeout, let after) = $0 {
                    after == .milliseconds(5_500)
                } else {
                    false
                }
            }
        )
    }

    @Test("heartbeat disabled (timeout nil): a ready worker has no deadline")
    func heartbeatDisabled() throws {
        var harness = Harness([uvicornPool(workers: 1, heartbeat: nil)])
        harness.send(.start)
        harness.ready(100)
        #expect(harness.supervisor.nextDeadline == nil)
        #expect(harness.advance(.seconds(3600)).signals.isEmpty)
    }

    @Test("WATCHDOG=1 datagrams: enforced from the first ping, T after the last one")
    func watchdogDatagrams() throws {
        var harness = Harness([commandPool(workers: 1)])
        harness.send(.start)
        // A command worker that never pings is never killed for it.
        #expect(harness.supervisor.nextDeadline == nil)
        #expect(harness.advance(.seconds(60)).signals.isEmpty)
        harness.send(.notified(pid: 100, NotifyMessage(parsing: "WATCHDOG=1")))
        #expect(harness.advance(.milliseconds(4_999)).signals.isEmpty)
        harness.send(.notified(pid: 100, NotifyMessage(parsing: "WATCHDOG=1")))
        #expect(harness.advance(.milliseconds(4_999)).signals.isEmpty)
        let actions = harness.advance(.milliseconds(1))
        #expect(actions.signals.map(\.signal) == [.abort])
    }

    @Test("WATCHDOG=trigger kills the worker at once")
    func watchdogTrigger() throws {
        var harness = Harness([commandPool(workers: 1)])
        harness.send(.start)
        let actions = harness.send(.notified(pid: 100, NotifyMessage(parsing: "WATCHDOG=trigger")))
        #expect(actions.signals.map(\.signal) == [.abort])
        harness.advance(.seconds(1))
        let respawn = harness.exit(100, .signaled(.kill, coreDumped: false))
        #expect(respawn.spawns.count == 1)
    }

    @Test("heartbeat stamps are ignored before READY and when older than the last one")
    func staleStamps() throws {
        var harness = Harness([uvicornPool(workers: 1, heartbeat: .seconds(5))])
        harness.send(.start)
        let id = harness.pids.keys.first!
        harness.send(.heartbeat(id, stamp: harness.now + .seconds(100)))
        harness.ready(100)
        let deadline = harness.supervisor.nextDeadline
        #expect(deadline == harness.now + .milliseconds(5_500))
        harness.send(.heartbeat(id, stamp: harness.now + .seconds(1)))
        harness.send(.heartbeat(id, stamp: harness.now))
        #expect(harness.supervisor.nextDeadline == harness.now + .milliseconds(6_500))
    }
}
