//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Testing

@testable import DroverCore

@Suite("max_requests: a worker at its limit asks to be replaced (DROVER_RECYCLE=1), surge first")
struct RequestLimitTests {
    private func recycle(_ harness: inout Harness, _ pid: Int32) -> [SupervisorAction] {
        harness.send(.notified(pid: pid, NotifyMessage(parsing: "DROVER_RECYCLE=1\nSTATUS=recycling")))
    }

    private func stopReasons(_ actions: [SupervisorAction]) -> [StopReason] {
        actions.notices.compactMap { if case .workerStopping(_, let reason) = $0 { reason } else { nil } }
    }

    @Test("workers = 1: the replacement starts at once, the old worker serves until it is ready, then is retired")
    func surgeFirst() throws {
        var harness = Harness.running([uvicornPool(workers: 1)])
        let old = harness.pids(state: .ready)
        let asked = recycle(&harness, old[0])
        #expect(asked.spawns.map(\.slot) == [0] && asked.signals.isEmpty)
        #expect(harness.pool().ready == 1)
        // Said again (or the replacement boots for a while): nothing more.
        #expect(recycle(&harness, old[0]).spawns.isEmpty)
        #expect(harness.advance(.seconds(2)).signals.isEmpty)
        let new = try #require(harness.pids(state: .starting).first)
        let ready = harness.ready(new)
        #expect(ready.signals.map(\.pid) == old && ready.signals.map(\.signal) == [.terminate])
        #expect(stopReasons(ready) == [.recycled])
        #expect(harness.pids(state: .ready) == [new])
    }

    @Test("at most max_surge (1 unset) replacements at a time; the next starts when one ends")
    func budget() throws {
        var harness = Harness.running([uvicornPool(workers: 2)])
        let old = harness.pids(state: .ready)
        #expect(recycle(&harness, old[0]).spawns.count == 1)
        #expect(recycle(&harness, old[1]).spawns.isEmpty)
        let first = try #require(harness.pids(state: .starting).first)
        let ready = harness.ready(first)
        #expect(ready.signals.map(\.pid) == [old[0]])
        // The first recycle ended (its old worker is retiring): the second one starts.
        #expect(ready.spawns.map(\.slot) == [1])
    }

    @Test("a failed replacement leaves the old worker serving; it is tried again after the backoff")
    func failedReplacement() throws {
        var harness = Harness.running([uvicornPool(workers: 1)])
        let old = harness.pids(state: .ready)
        _ = recycle(&harness, old[0])
        let new = try #require(harness.pids(state: .starting).first)
        #expect(harness.exit(new).signals.filter { $0.pid == old[0] }.isEmpty)
        #expect(harness.pids(state: .ready) == old)
        #expect(harness.advance(.milliseconds(99)).spawns.isEmpty)
        #expect(harness.advance(.milliseconds(1)).spawns.map(\.slot) == [0])
    }

    @Test("a starting worker's request starts nothing")
    func onlyReadyAndSteady() throws {
        var harness = Harness([uvicornPool(workers: 1)])
        _ = harness.send(.start)
        let starting = harness.pids(state: .starting)
        #expect(recycle(&harness, starting[0]).spawns.isEmpty)
    }

    @Test("DROVER_RECYCLE parses; other values are not a request")
    func parsing() {
        #expect(NotifyMessage(parsing: "DROVER_RECYCLE=1").recycle)
        #expect(!NotifyMessage(parsing: "DROVER_RECYCLE=0").recycle)
        #expect(!NotifyMessage(parsing: "READY=1").recycle)
    }
}
