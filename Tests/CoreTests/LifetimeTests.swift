//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Testing

@testable import DroverCore

/// A Uvicorn pool whose workers are recycled after `lifetime` (plus up to `jitter`).
func lifetimePool(
    workers: Int = 1,
    lifetime: Duration = .seconds(60),
    jitter: Duration = .zero,
    maxSurge: Int? = nil
) -> PoolConfiguration {
    var configuration = uvicornPool(workers: workers, maxSurge: maxSurge)
    configuration.maxWorkerLifetime = lifetime
    configuration.lifetimeJitter = jitter
    return configuration
}

@Suite("max_worker_lifetime: a worker that served long enough is replaced surge-first")
struct LifetimeTests {
    private func stopReasons(_ actions: [SupervisorAction]) -> [StopReason] {
        actions.notices.compactMap { if case .workerStopping(_, let reason) = $0 { reason } else { nil } }
    }

    private func respawnDelays(_ actions: [SupervisorAction]) -> [Duration] {
        actions.notices.compactMap { if case .respawnScheduled(_, _, let after, _) = $0 { after } else { nil } }
    }

    @Test("off by default: no recycle deadline, nothing happens however long the worker serves")
    func offByDefault() {
        var harness = Harness.running([uvicornPool(workers: 2)])
        #expect(harness.supervisor.nextDeadline == nil)
        #expect(harness.advance(.seconds(86_400)).isEmpty)
    }

    @Test("workers = 1: the replacement starts at the lifetime, the old one is retired only when it is ready")
    func recycleSurgeFirst() throws {
        var harness = Harness.running([lifetimePool(workers: 1)])
        let old = harness.pids(state: .ready)
        #expect(harness.supervisor.nextDeadline == harness.now + .seconds(60))
        #expect(harness.advance(.milliseconds(59_999)).spawns.isEmpty)
        let started = harness.advance(.milliseconds(1))
        #expect(started.spawns.map(\.slot) == [0])
        #expect(started.spawns.map(\.generation) == [1])
        #expect(started.signals.isEmpty)
        #expect(harness.pool().ready == 1 && harness.pids(state: .ready) == old)
        // It boots for a while: the old worker serves all along.
        #expect(harness.advance(.seconds(3)).signals.isEmpty)
        #expect(harness.pool().ready == 1)
        let new = try #require(harness.pids(state: .starting).first)
        let ready = harness.ready(new)
        #expect(ready.signals.map(\.pid) == old)
        #expect(ready.signals.map(\.signal) == [.terminate])
        #expect(stopReasons(ready) == [.lifetime])
        #expect(harness.pool().ready == 1 && harness.pids(state: .ready) == [new])
        let exited = harness.exit(old[0], .signaled(.terminate, coreDumped: false))
        #expect(exited.spawns.isEmpty)
        #expect(exited.notices.contains { if case .workerExited(_, _, failed: false) = $0 { true } else { false } })
        #expect(harness.pool().workers[0].restarts == 0)
        // The next recycle is the new worker's, a lifetime after it became ready.
        #expect(harness.supervisor.nextDeadline == harness.now + .seconds(60))
    }

    @Test("pool of 4 with jitter: recycle times spread within [lifetime, lifetime + jitter], never two at once")
    func jitterSpreads() throws {
        let lifetime = Duration.seconds(100)
        let jitter = Duration.seconds(40)
        var harness = Harness.running([lifetimePool(workers: 4, lifetime: lifetime, jitter: jitter)])
        let first = Set(harness.pids(state: .ready))
        var starts: [Duration] = []
        var mostAtOnce = 0
        let origin = harness.now
        // Every replacement takes 500 ms to boot; the old worker drains for 100 ms.
        while harness.now - origin < .seconds(160) {
            let actions = harness.advance(.milliseconds(100))
            starts += actions.spawns.map { _ in harness.now - origin }
            let starting = harness.pids(state: .starting)
            mostAtOnce = max(mostAtOnce, starting.count)
            #expect(harness.pool().ready == 4)
            harness.exitStopping()
            if let booting = harness.status.pools[0].workers.first(where: { $0.state == .starting }),
                booting.ageSeconds >= 0.5, let pid = booting.pid
            {
                harness.ready(pid)
            }
        }
        #expect(starts.count == 4)
        #expect(mostAtOnce == 1)
        #expect(starts.allSatisfy { $0 >= lifetime && $0 <= lifetime + jitter + .seconds(2) })
        #expect(Set(starts).count == 4)
        #expect(starts.max()! - starts.min()! >= .seconds(5))  // spread, not all at the same time
        #expect(Set(harness.pids(state: .ready)).isDisjoint(with: first))
    }

    @Test("the jitter share is pure: the same for the same worker, within [0, jitter], spread over the range")
    func jitterShare() {
        let jitter = Duration.seconds(100)
        let shares = (1...1000).map { WorkerID(UInt64($0)).lifetimeJitter(upTo: jitter) }
        #expect(shares == (1...1000).map { WorkerID(UInt64($0)).lifetimeJitter(upTo: jitter) })
        #expect(shares.allSatisfy { $0 >= .zero && $0 <= jitter })
        // Every tenth of the range gets some (consecutive ids do not cluster).
        let tenths = Set(shares.map { Int($0.components.seconds) / 10 })
        #expect(tenths == Set(0..<10))
        #expect(WorkerID(7).lifetimeJitter(upTo: .zero) == .zero)
    }

    @Test("max_surge = 2 lets two recycles run at once")
    func surgeBudget() {
        var harness = Harness.running([lifetimePool(workers: 4, maxSurge: 2)])
        let actions = harness.advance(.seconds(60))
        #expect(actions.spawns.map(\.slot) == [0, 1])
        harness.readyAll()
        #expect(harness.history.spawns.count == 8)
        #expect(harness.pids(state: .starting).count == 2)
    }

    @Test("a replacement that exits before ready: the old worker keeps serving, the recycle is retried after a backoff")
    func failedReplacement() throws {
        var harness = Harness.running([lifetimePool(workers: 1)])
        let old = harness.pids(state: .ready)
        harness.advance(.seconds(60))
        var delays: [Duration] = []
        for _ in 0..<4 {
            let booting = try #require(harness.pids(state: .starting).first)
            let failed = harness.exit(booting, .exited(1))
            #expect(failed.spawns.isEmpty)  // never a loop without delay
            #expect(failed.signals.allSatisfy { $0.pid == booting })
            #expect(!failed.notices.contains { if case .rolloutFailed = $0 { true } else { false } })
            #expect(harness.pids(state: .ready) == old && harness.pool().ready == 1)
            let delay = try #require(respawnDelays(failed).first)
            delays.append(delay)
            #expect(harness.advance(delay - .milliseconds(1)).spawns.isEmpty)
            #expect(harness.advance(.milliseconds(1)).spawns.count == 1)
        }
        #expect(delays == [.milliseconds(100), .milliseconds(100), .milliseconds(200), .milliseconds(400)])
        let new = try #require(harness.pids(state: .starting).first)
        let ready = harness.ready(new)
        #expect(stopReasons(ready) == [.lifetime])
        #expect(ready.signals.map(\.pid) == old)
    }

    @Test("a replacement that misses its boot timeout: the old worker serves throughout, tried again later")
    func replacementBootTimeout() throws {
        var harness = Harness.running([lifetimePool(workers: 1)])
        let old = harness.pids(state: .ready)
        harness.advance(.seconds(60))
        let booting = try #require(harness.pids(state: .starting).first)
        let aborted = harness.advance(.seconds(10))
        #expect(aborted.signals.map(\.pid) == [booting])
        #expect(aborted.signals.map(\.signal) == [.abort])
        #expect(!aborted.notices.contains { if case .rolloutFailed = $0 { true } else { false } })
        let gone = harness.exit(booting, .signaled(.abort, coreDumped: false))
        #expect(harness.pids(state: .ready) == old)
        let delay = try #require(respawnDelays(gone).first)
        #expect(delay > .zero)
        #expect(harness.advance(delay).spawns.count == 1)
    }

    @Test("the old worker dying during its recycle: the replacement takes the slot, no extra spawn")
    func oldDiesDuringRecycle() throws {
        var harness = Harness.running([lifetimePool(workers: 1)])
        let old = harness.pids(state: .ready)[0]
        harness.advance(.seconds(60))
        let exited = harness.exit(old, .signaled(.kill, coreDumped: false))
        #expect(exited.spawns.isEmpty)
        let new = try #require(harness.pids(state: .starting).first)
        let ready = harness.ready(new)
        #expect(ready.signals.isEmpty)
        #expect(harness.pids(state: .ready) == [new])
    }

    @Test("no recycle while the pool rolls out: the rollout replaces its workers")
    func noRecycleDuringRollout() throws {
        var harness = Harness.running([lifetimePool(workers: 2)])
        harness.advance(.seconds(50))
        let load = harness.send(.command(.reload, from: .client(1)))
        let id = try #require(load.configurationLoads.first)
        let rollout = harness.send(.configurationLoaded(id, .success([lifetimePool(workers: 2)])))
        #expect(rollout.spawns.map(\.generation) == [2, 2])
        // The old workers' lifetimes run out while the new generation boots: no recycle.
        let during = harness.advance(.seconds(9))
        #expect(during.spawns.isEmpty)
        harness.readyAll()
        #expect(harness.pool().generation == 2)
        harness.exitStopping()
        #expect(harness.history.spawns.count == 4)
        #expect(harness.supervisor.nextDeadline == harness.now + .seconds(60))
    }

    @Test("a rollout that starts during a recycle lets the recycle finish, then replaces its worker")
    func rolloutDuringRecycle() throws {
        var harness = Harness.running([lifetimePool(workers: 1)])
        harness.advance(.seconds(60))
        let replacement = try #require(harness.pids(state: .starting).first)
        let load = harness.send(.command(.reload, from: .client(1)))
        let id = try #require(load.configurationLoads.first)
        let rollout = harness.send(.configurationLoaded(id, .success([lifetimePool(workers: 1)])))
        #expect(rollout.spawns.isEmpty)
        let ready = harness.ready(replacement)
        #expect(stopReasons(ready) == [.lifetime])
        #expect(ready.spawns.map(\.generation) == [2])
        harness.readyAll()
        #expect(harness.pool().generation == 2)
        #expect(try ready.replies.isEmpty && harness.history.replies.first?.result.get() != nil)
    }

    @Test("no recycle while droverd stops")
    func noRecycleWhileStopping() {
        var harness = Harness.running([lifetimePool(workers: 2)])
        harness.advance(.seconds(59))
        harness.send(.command(.stop(.graceful), from: .client(9)))
        #expect(harness.advance(.seconds(20)).spawns.isEmpty)
    }
}
