//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Testing

@testable import DroverCore

@Suite("max_worker_memory: samples every interval, recycled surge first after N in a row over the limit")
struct MemoryLimitTests {
    private func pool(workers: Int = 1) -> PoolConfiguration {
        var configuration = uvicornPool(workers: workers)
        configuration.memoryLimit = MemoryLimit(bytes: 500, interval: .seconds(10), samples: 3)
        return configuration
    }

    private func stopReasons(_ actions: [SupervisorAction]) -> [StopReason] {
        actions.notices.compactMap { if case .workerStopping(_, let reason) = $0 { reason } else { nil } }
    }

    @Test("off: no sample is ever due, no deadline")
    func off() {
        var harness = Harness.running([uvicornPool(workers: 2)])
        #expect(harness.supervisor.nextDeadline == nil)
        harness.advance(.seconds(3600))
        #expect(harness.supervisor.memorySamplesDue(at: harness.now).isEmpty)
    }

    @Test("three samples in a row over the limit: the replacement starts, the old worker goes once it is ready")
    func recycle() throws {
        var harness = Harness.running([pool()])
        let old = harness.pids(state: .ready)[0]
        #expect(harness.supervisor.nextDeadline == harness.now + .seconds(10))
        harness.effects.memory[old] = 600
        #expect(harness.advance(.seconds(10)).spawns.isEmpty)
        #expect(harness.advance(.seconds(10)).spawns.isEmpty)
        let third = harness.advance(.seconds(10))
        #expect(third.spawns.map(\.slot) == [0] && third.signals.isEmpty)
        let new = try #require(harness.pids(state: .starting).first)
        let ready = harness.ready(new)
        #expect(ready.signals.map(\.pid) == [old] && stopReasons(ready) == [.memory])
    }

    @Test("a sample under the limit starts the count again; an unreadable one changes nothing")
    func consecutive() {
        var harness = Harness.running([pool()])
        let pid = harness.pids(state: .ready)[0]
        harness.effects.memory[pid] = 600
        harness.advance(.seconds(20))  // two over
        harness.effects.memory[pid] = 400
        harness.advance(.seconds(10))  // under: the count starts again
        harness.effects.memory[pid] = 600
        #expect(harness.advance(.seconds(20)).spawns.isEmpty)  // two over
        harness.effects.memory[pid] = nil
        #expect(harness.advance(.seconds(10)).spawns.isEmpty)  // unreadable: still two
        harness.effects.memory[pid] = 600
        #expect(harness.advance(.seconds(10)).spawns.count == 1)
    }
}
