//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import Testing

@Suite("Reload, restart and surge rollouts")
struct RolloutTests {
    func runningHarness(_ pools: [PoolConfiguration] = [uvicornPool(workers: 2)]) -> Harness {
        Harness.running(pools)
    }

    /// Sends a reload and answers the configuration load with `pools`.
    @discardableResult
    mutating func reload(
        _ harness: inout Harness,
        to pools: Result<[PoolConfiguration], ConfigurationError>,
        from requester: Requester = .client(1)
    ) -> [SupervisorAction] {
        let actions = harness.send(.command(.reload, from: requester))
        guard let id = actions.configurationLoads.first else { return actions }
        return actions + harness.send(.configurationLoaded(id, pools))
    }

    @Test(
        "reload: RELOADING=1, new generation next to the old, each old worker retired only when its replacement is ready"
    )
    mutating func surgeRollout() throws {
        var harness = runningHarness()
        let old = harness.pids(state: .ready)
        let actions = reload(&harness, to: .success([uvicornPool(workers: 2)]))
        #expect(actions.systemdWithoutStatus == [.reloading])
        #expect(actions.spawns.map(\.generation) == [2, 2])
        #expect(actions.spawns.map(\.slot) == [0, 1])
        #expect(actions.signals.isEmpty)
        #expect(harness.pool().state == .rolling)
        #expect(harness.pool().ready == 2)
        let new = harness.pids(state: .starting)
        var step = harness.ready(new[0])
        #expect(step.signals.map(\.pid) == [old[0]])
        #expect(step.signals.map(\.signal) == [.terminate])
        #expect(step.replies.isEmpty)
        #expect(harness.pool().ready == 2)
        step = harness.ready(new[1])
        #expect(step.signals.map(\.pid) == [old[1]])
        #expect(
            try step.replies.first?.result.get()
                == .rolledOut([RolloutOutcome(pool: "web", generation: 2, failure: nil, duration: .zero)])
        )
        #expect(step.systemdWithoutStatus == [.ready])
        #expect(harness.pool().generation == 2)
        #expect(harness.pool().state == .running)
        harness.exitStopping()
        #expect(harness.pool().running == 2)
        #expect(harness.history.spawns.count == 4)
    }

    @Test("reload with a configuration error: nothing is spawned or stopped; READY=1 ends the reload")
    mutating func configError() throws {
        var harness = runningHarness()
        let actions = reload(&harness, to: .failure(ConfigurationError("drover.toml:3: workers: 'x' is not a number")))
        #expect(actions.spawns.isEmpty)
        #expect(actions.signals.isEmpty)
        #expect(actions.replies.first?.result.failureCode == .configInvalid)
        #expect(actions.systemdWithoutStatus == [.reloading, .ready])
        #expect(actions.notices.contains(.reloadFinished(failure: "drover.toml:3: workers: 'x' is not a number")))
    }

    @Test("a new worker that exits before READY fails the rollout: the new generation stops, the old one keeps serving")
    mutating func rollbackOnExit() throws {
        var harness = runningHarness()
        let old = harness.pids(state: .ready)
        reload(&harness, to: .success([uvicornPool(workers: 2)]))
        let new = harness.pids(state: .starting)
        harness.ready(new[0])  // slot 0 swapped: old[0] retiring
        let actions = harness.exit(new[1], .exited(3))
        #expect(
            actions.notices.contains {
                if case .rolloutFailed(pool: "web", generation: 2, _) = $0 { true } else { false }
            }
        )
        #expect(actions.replies.first?.result.failureCode == .rolloutFailed)
        #expect(actions.systemdWithoutStatus == [.ready])
        #expect(actions.spawns.isEmpty)
        #expect(harness.pool().generation == 1)
        #expect(harness.pool().state == .running)
        // Slot 1 still has its old worker; slot 0 keeps the new one that was ready.
        let serving = harness.pool().workers.filter { $0.state == .ready }
        #expect(serving.map(\.pid) == [new[0], old[1]])
        // Later respawns use the old configuration and generation.
        let respawn = harness.exit(old[1])
        #expect(respawn.spawns.first?.generation == 1)
    }

    @Test("a new worker past its boot timeout fails the rollout at that moment")
    mutating func rollbackOnBootTimeout() throws {
        var harness = runningHarness()
        reload(&harness, to: .success([uvicornPool(workers: 2)]))
        let actions = harness.advance(.seconds(10))
        // The first timeout fails the rollout; the other new worker is stopped with it.
        #expect(actions.signals.map(\.signal) == [.abort, .terminate])
        #expect(actions.replies.first?.result.failureCode == .rolloutFailed)
        #expect(harness.pool().ready == 2)
        #expect(harness.pool().generation == 1)
    }

    @Test("maxSurge 1: one new worker at a time")
    mutating func surgeLimit() throws {
        var harness = runningHarness([uvicornPool(workers: 3, maxSurge: 1)])
        var actions = reload(&harness, to: .success([uvicornPool(workers: 3, maxSurge: 1)]))
        #expect(actions.spawns.map(\.slot) == [0])
        actions = harness.ready(harness.pids(state: .starting)[0])
        #expect(actions.spawns.map(\.slot) == [1])
        actions = harness.ready(harness.pids(state: .starting)[0])
        #expect(actions.spawns.map(\.slot) == [2])
        actions = harness.ready(harness.pids(state: .starting)[0])
        #expect(actions.replies.count == 1)
        #expect(harness.pool().generation == 2)
    }

    @Test("1000 reloads in a burst: one runs, one more is queued, everybody gets an answer")
    mutating func coalescing() throws {
        var harness = runningHarness()
        for client in 1...1000 { harness.send(.command(.reload, from: .client(UInt64(client)))) }
        #expect(harness.history.configurationLoads.count == 1)
        let first = harness.history.configurationLoads[0]
        harness.send(.configurationLoaded(first, .success([uvicornPool(workers: 2)])))
        harness.readyAll()
        #expect(harness.history.replies.count == 1)
        #expect(harness.history.configurationLoads.count == 2)
        harness.send(.configurationLoaded(harness.history.configurationLoads[1], .success([uvicornPool(workers: 2)])))
        harness.readyAll()
        harness.exitStopping()
        #expect(harness.history.replies.count == 1000)
        #expect(harness.history.configurationLoads.count == 2)
        #expect(harness.pool().generation == 3)
        #expect(harness.pool().running == 2)
        #expect(harness.supervisor.nextDeadline == nil)
    }

    @Test("restart of one pool rolls only that pool, with the same configuration")
    func restartOnePool() throws {
        var harness = runningHarness([uvicornPool(workers: 1), commandPool(workers: 1)])
        let actions = harness.send(.command(.restart(pool: "jobs"), from: .client(5)))
        #expect(actions.spawns.map(\.configuration.name) == ["jobs"])
        #expect(actions.spawns.first?.generation == 2)
        // A command pool's worker is ready on spawn: the rollout finishes at once.
        #expect(
            try actions.replies.first?.result.get()
                == .rolledOut([RolloutOutcome(pool: "jobs", generation: 2, failure: nil, duration: .zero)])
        )
        #expect(harness.pool("web").generation == 1)
        let unknown = harness.send(.command(.restart(pool: "nope"), from: .client(6)))
        #expect(unknown.replies.first?.result.failureCode == .noSuchPool)
    }

    @Test("a size set at run time survives a reload unless the configuration changes the size")
    mutating func scaledSizeSurvives() throws {
        var harness = runningHarness()
        harness.send(.command(.scale(pool: "web", ScaleChange(.to(3))), from: .signal))
        harness.readyAll()
        reload(&harness, to: .success([uvicornPool(workers: 2)]))
        #expect(harness.pool().desired == 3)
        harness.readyAll()
        reload(&harness, to: .success([uvicornPool(workers: 5)]))
        #expect(harness.pool().desired == 5)
    }

    @Test("a failed rollout that changed the size goes back to the old size")
    mutating func failedResize() throws {
        var harness = runningHarness()
        reload(&harness, to: .success([uvicornPool(workers: 4)]))
        #expect(harness.pool().desired == 4)
        harness.exit(harness.pids(state: .starting)[0], .exited(3))
        #expect(harness.pool().desired == 2)
        #expect(harness.pool().ready == 2)
    }

    @Test("reload adds and removes pools; a new pool that fails is removed again")
    mutating func addRemovePools() throws {
        var harness = runningHarness([uvicornPool(workers: 1), commandPool(workers: 1)])
        var actions = reload(&harness, to: .success([uvicornPool(workers: 1), uvicornPool("api", workers: 1)]))
        #expect(actions.notices.contains(.poolAdded(pool: "api")))
        #expect(harness.status.pools.map(\.name) == ["web", "jobs", "api"])
        #expect(harness.pool("jobs").state == .removing)
        harness.exitStopping("jobs")
        #expect(harness.history.notices.contains(.poolRemoved(pool: "jobs")))
        harness.readyAll()
        #expect(harness.history.replies.count == 1)
        #expect(harness.status.pools.map(\.name) == ["web", "api"])
        #expect(harness.pool("api").generation == 1)
        actions = reload(&harness, to: .success([uvicornPool(workers: 1), uvicornPool("broken", workers: 1)]))
        harness.exit(harness.pids("broken", state: .starting)[0], .exited(3))
        harness.readyAll()
        #expect(harness.history.replies.last?.result.failureCode == .rolloutFailed)
        harness.exitStopping("api")
        harness.exitStopping("web")
        #expect(harness.status.pools.map(\.name) == ["web"])
    }

    @Test("a worker crash during a rollout respawns as the new generation")
    mutating func crashDuringRollout() throws {
        var harness = runningHarness([uvicornPool(workers: 2, maxSurge: 1)])
        let old = harness.pids(state: .ready)
        reload(&harness, to: .success([uvicornPool(workers: 2, maxSurge: 1)]))
        let actions = harness.exit(old[1])
        // Slot 1 lost its worker: it is refilled at once, with the new generation (an empty slot is no surge).
        #expect(actions.spawns.map(\.slot) == [1])
        #expect(actions.spawns.map(\.generation) == [2])
        harness.readyAll()
        #expect(harness.pool().generation == 2)
    }

    @Test("a serving worker that crashes while its replacement starts leaves the slot to it: nothing more is spawned")
    mutating func crashNextToIncoming() throws {
        var harness = runningHarness()
        let old = harness.pids(state: .ready)
        reload(&harness, to: .success([uvicornPool(workers: 2)]))
        let new = harness.pids(state: .starting)
        let actions = harness.exit(old[0])
        #expect(actions.spawns.isEmpty)
        #expect(harness.pool().workers.compactMap(\.pid).sorted() == [old[1], new[0], new[1]])
        #expect(harness.pool().workers.first { $0.pid == new[0] }?.restarts == 1)
        harness.readyAll()
        #expect(harness.pool().generation == 2)
        harness.exitStopping()
        #expect(harness.pool().workers.compactMap(\.pid).sorted() == new)
        #expect(harness.pool().running == 2)
    }

    @Test("scale during a rollout: new slots join the rollout")
    mutating func scaleDuringRollout() throws {
        var harness = runningHarness()
        reload(&harness, to: .success([uvicornPool(workers: 2)]))
        let actions = harness.send(.command(.scale(pool: "web", ScaleChange(.to(3))), from: .signal))
        #expect(actions.spawns.map(\.generation) == [2])
        harness.readyAll()
        #expect(harness.pool().generation == 2)
        #expect(harness.pool().ready == 3)
    }

    @Test("a reload does not wait out a crash-looping slot's backoff: the new generation starts at once")
    mutating func reloadClearsBackoff() throws {
        var harness = runningHarness([uvicornPool(workers: 1)])
        for attempt in 0..<6 {
            harness.exit(harness.pool().workers[0].pid!)
            if attempt < 5 { harness.advance(.seconds(2)) }
        }
        #expect(harness.pool().workers[0].state == .backoff)
        let actions = reload(&harness, to: .success([uvicornPool(workers: 1)]))
        #expect(actions.spawns.map(\.generation) == [2])
        harness.readyAll()
        #expect(harness.pool().generation == 2)
        #expect(harness.pool().state == .running)
    }
}
