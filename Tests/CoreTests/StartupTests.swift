//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import Testing

@Suite("Start-up")
struct StartupTests {
    @Test("start spawns every slot of every pool, generation 1, slots from 0")
    func spawnsEverySlot() throws {
        var harness = Harness([uvicornPool(workers: 3), commandPool(workers: 2)])
        let actions = harness.send(.start)
        let orders = actions.spawns
        #expect(orders.map(\.configuration.name) == ["web", "web", "web", "jobs", "jobs"])
        #expect(orders.map(\.slot) == [0, 1, 2, 0, 1])
        #expect(orders.allSatisfy { $0.generation == 1 })
        #expect(Set(orders.map(\.worker)).count == 5)
    }

    @Test("READY=1 goes to systemd only when every pool has all its workers ready")
    func readyOnlyWhenAllReady() throws {
        var harness = Harness([uvicornPool(workers: 2), commandPool(workers: 1)])
        var actions = harness.send(.start)
        // The command pool does not wait for READY: its worker is ready at once.
        #expect(harness.pool("jobs").ready == 1)
        #expect(harness.pool("web").ready == 0)
        #expect(!actions.systemd.contains(.ready))
        let web = harness.pids("web", state: .starting)
        #expect(web.count == 2)
        actions = harness.ready(web[0])
        #expect(!actions.systemd.contains(.ready))
        #expect(harness.pool("web").state == .starting)
        actions = harness.ready(web[1])
        #expect(actions.systemd.contains(.ready))
        #expect(actions.notices.contains(.started))
        #expect(harness.pool("web").state == .running)
        #expect(harness.status.isReady)
    }

    @Test("the systemd status line follows the counts and is not repeated")
    func statusLine() throws {
        var harness = Harness([uvicornPool(workers: 2)])
        let first = harness.send(.start).systemd
        #expect(first.contains(.status("web: 0/2 ready, gen 1")))
        harness.ready(harness.pids(state: .starting)[0])
        #expect(harness.history.systemd.last == .status("web: 1/2 ready, gen 1"))
        let repeated = harness.send(.notified(pid: 999_999, NotifyMessage(parsing: "STATUS=x")))
        #expect(repeated.systemd.isEmpty)
    }

    @Test("an idle pool with no heartbeat check needs no timer: droverd does not wake up")
    func idleNeedsNoTimer() throws {
        var harness = Harness([uvicornPool(workers: 2)])
        harness.send(.start)
        #expect(harness.supervisor.nextDeadline != nil)  // the boot timeout
        harness.readyAll()
        #expect(harness.supervisor.nextDeadline == nil)
    }

    @Test("a pool of zero workers is ready at once")
    func emptyPool() throws {
        var harness = Harness([uvicornPool(workers: 0)])
        let actions = harness.send(.start)
        #expect(actions.systemd.contains(.ready))
        #expect(actions.spawns.isEmpty)
    }

    @Test("worker status reports pid, slot, generation, state and age")
    func workerStatus() throws {
        var harness = Harness([uvicornPool(workers: 1)])
        harness.send(.start)
        harness.advance(.seconds(2))
        let worker = harness.pool().workers[0]
        #expect(worker.pid == 100)
        #expect(worker.slot == 0)
        #expect(worker.generation == 1)
        #expect(worker.state == .starting)
        #expect(worker.ageSeconds == 2)
        #expect(worker.restarts == 0)
        #expect(worker.lastExit == nil)
    }

    @Test("notifications from unknown pids change nothing")
    func unknownNotifier() throws {
        var harness = Harness([uvicornPool(workers: 1)])
        harness.send(.start)
        harness.ready(4242)
        #expect(harness.pool().ready == 0)
    }

    @Test("STATUS= and ERRNO= from a worker are kept; STATUS shows in status")
    func workerStatusText() throws {
        var harness = Harness([uvicornPool(workers: 1)])
        harness.send(.start)
        harness.send(.notified(pid: 100, NotifyMessage(parsing: "STATUS=loading models\nERRNO=2")))
        #expect(harness.pool().workers[0].statusText == "loading models")
    }
}

@Suite("Start-up notices")
struct StartupNoticeTests {
    @Test("`started` and READY=1 come exactly once")
    func startedOnce() throws {
        var harness = Harness([commandPool(workers: 2)])
        harness.send(.start)
        harness.advance(.seconds(1))
        #expect(harness.history.notices.filter { $0 == .started }.count == 1)
        #expect(harness.history.systemdWithoutStatus == [.ready])
    }
}
