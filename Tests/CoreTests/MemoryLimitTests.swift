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

    @Test("pool_memory_limit: the pool's total over the limit for two intervals recycles its largest worker, once")
    func poolLimit() throws {
        var configuration = uvicornPool(workers: 2)
        configuration.memoryLimit = MemoryLimit(bytes: 0, poolBytes: 500, interval: .seconds(10), samples: 3)
        var harness = Harness.running([configuration])
        let pids = harness.pids(state: .ready)
        let (large, small) = (pids[0], pids[1])
        harness.effects.memory[large] = 350
        harness.effects.memory[small] = 250
        #expect(harness.advance(.seconds(10)).spawns.isEmpty)  // over since now
        #expect(harness.advance(.seconds(10)).spawns.isEmpty)  // 10 s of the 20 s window
        let due = harness.advance(.seconds(10))
        #expect(due.spawns.count == 1)
        let new = try #require(harness.pids(state: .starting).first)
        harness.effects.memory[new] = 100
        let ready = harness.ready(new)
        #expect(ready.signals.map(\.pid) == [large] && stopReasons(ready) == [.poolMemory])
        // No per-worker limit: neither is recycled for its own size.
        harness.exitStopping()
        harness.effects.memory[small] = 250
        #expect(harness.advance(.seconds(30)).spawns.isEmpty)  // 350 in total now: under the limit
    }

    @Test("pool_memory_limit: a reading under the limit starts the window again")
    func poolWindowRestarts() {
        var configuration = uvicornPool(workers: 2)
        configuration.memoryLimit = MemoryLimit(bytes: 0, poolBytes: 500, interval: .seconds(10), samples: 3)
        var harness = Harness.running([configuration])
        let pids = harness.pids(state: .ready)
        harness.effects.memory[pids[0]] = 300
        harness.effects.memory[pids[1]] = 300
        harness.advance(.seconds(20))  // over for 10 s
        harness.effects.memory[pids[0]] = 100  // sampled first in its round: 100 + 300 is under the limit
        #expect(harness.advance(.seconds(10)).spawns.isEmpty)  // under: the window starts again
        harness.effects.memory[pids[0]] = 300
        #expect(harness.advance(.seconds(20)).spawns.isEmpty)  // over for 10 s only
        #expect(harness.advance(.seconds(10)).spawns.count == 1)
    }

    @Test("memory_pressure: the largest ready worker of the pools that want it is replaced surge first, one at a time")
    func pressure() throws {
        var web = uvicornPool(workers: 2)
        web.memoryPressure = true
        var harness = Harness.running([web, uvicornPool("other", workers: 1)])
        let ids = Dictionary(uniqueKeysWithValues: harness.effects.pids.map { ($0.value, $0.key) })
        let pids = harness.pids(state: .ready)
        let (small, large) = (pids[0], pids[1])
        let other = harness.pids("other", state: .ready)[0]
        let sizes = [ids[small]!: UInt64(100), ids[large]!: 300, ids[other]!: 900]  // "other" does not want it
        let first = harness.send(.memoryPressure(sizes: sizes))
        #expect(first.spawns.map(\.slot) == [1])
        #expect(first.notices.contains { if case .memoryPressure(_, 300) = $0 { true } else { false } })
        #expect(harness.send(.memoryPressure(sizes: sizes)).spawns.isEmpty)  // one at a time
        let new = try #require(harness.pids(state: .starting).first)
        let ready = harness.ready(new)
        #expect(ready.signals.map(\.pid) == [large] && stopReasons(ready) == [.pressure])
        harness.exitStopping()
        #expect(harness.send(.memoryPressure(sizes: [ids[small]!: 100])).spawns.map(\.slot) == [0])  // the next
    }
}
