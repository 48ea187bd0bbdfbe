//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import Testing

/// A command pool with a bind: its readiness is observed by default.
func servingCommandPool(_ name: String = "web", workers: Int = 2, waitReady: Bool? = nil) -> PoolConfiguration {
    PoolConfiguration(
        name: name,
        kind: .command(arguments: ["/usr/bin/server", "--fd", "{fd}"]),
        workers: workers,
        binds: [BindAddress(.tcp(host: "127.0.0.1", port: 8001))],
        waitReady: waitReady,
        bootTimeout: .seconds(10),
        heartbeatTimeout: nil
    )
}

@Suite("Readiness that means serving")
struct ReadinessTests {
    // MARK: - How each kind becomes ready

    @Test(
        "readiness by kind: uvicorn waits for READY=1, a command pool with binds is observed, one without is ready at once"
    )
    func defaults() {
        #expect(uvicornPool().readiness == .notify)
        #expect(servingCommandPool().readiness == .observed)
        #expect(commandPool().readiness == .spawned)
        #expect(servingCommandPool(waitReady: true).readiness == .notify)
        #expect(servingCommandPool(waitReady: false).readiness == .spawned)
        #expect(commandPool(waitReady: true).readiness == .notify)
    }

    @Test("an observed worker starts with a boot deadline, is listed for observation, and is ready once seen accepting")
    func observed() throws {
        var harness = Harness([servingCommandPool(), commandPool()])
        let start = harness.send(.start)
        #expect(harness.pids(state: .starting).count == 2)
        #expect(harness.pids("jobs", state: .ready).count == 1)
        #expect(!start.systemdWithoutStatus.contains(.ready))
        let due = harness.supervisor.observationsDue
        #expect(due.map(\.pid) == harness.pids(state: .starting))
        #expect(due.allSatisfy { $0.binds == servingCommandPool().binds })
        #expect(harness.supervisor.nextDeadline == harness.now + .seconds(10))
        #expect(!harness.status.isReady)

        harness.send(.observedAccepting(due[0].id))
        #expect(harness.pids(state: .ready).count == 1)
        #expect(harness.supervisor.observationsDue.map(\.id) == [due[1].id])
        let last = harness.send(.observedAccepting(due[1].id))
        #expect(last.systemdWithoutStatus == [.ready])
        #expect(harness.supervisor.observationsDue.isEmpty)
        #expect(harness.status.isReady)
        // Nothing is due any more: droverd sleeps.
        #expect(harness.supervisor.nextDeadline == nil)
        // A second report, or one for a pool that is not observed, changes nothing.
        #expect(harness.send(.observedAccepting(due[1].id)).isEmpty)
    }

    @Test("READY=1 still counts for an observed worker; nobody observes uvicorn or READY=1 pools")
    func readyStillCounts() {
        var harness = Harness([servingCommandPool(workers: 1), uvicornPool("api", workers: 1)])
        harness.send(.start)
        #expect(harness.supervisor.observationsDue.count == 1)
        harness.readyAll()
        #expect(harness.supervisor.observationsDue.isEmpty)
        #expect(harness.status.isReady)
    }

    @Test("an observed worker that never accepts misses its boot deadline: SIGABRT, then a respawn")
    func bootTimeout() {
        var harness = Harness([servingCommandPool(workers: 1)])
        harness.send(.start)
        let pid = harness.pids(state: .starting)[0]
        let actions = harness.advance(.seconds(10))
        #expect(actions.signals.map(\.pid) == [pid])
        #expect(actions.signals.map(\.signal) == [.abort])
        harness.exit(pid, .signaled(.abort, coreDumped: false))
        #expect(harness.pool().workers.first?.lastExit?.contains("never seen accepting on its socket") == true)
    }

    @Test("a reload whose new observed worker exits fails the rollout; the old generation keeps serving")
    func failedRollout() throws {
        var harness = Harness([servingCommandPool()])
        harness.send(.start)
        for due in harness.supervisor.observationsDue { harness.send(.observedAccepting(due.id)) }
        let old = harness.pids(state: .ready)
        let actions = harness.send(.command(.reload, from: .client(1)))
        let id = try #require(actions.configurationLoads.first)
        var broken = servingCommandPool()
        broken.kind = .command(arguments: ["false"])
        harness.send(.configurationLoaded(id, .success([broken])))
        let new = harness.pids(state: .starting)
        #expect(new.count == 2)
        // Nothing retires before a new worker is seen accepting.
        #expect(harness.history.signals.isEmpty)
        let exit = harness.exit(new[0])
        #expect(exit.replies.first?.result.failureCode == .rolloutFailed)
        #expect(harness.pids(state: .ready) == old)
        #expect(harness.pool().generation == 1)
        #expect(harness.supervisor.configurations.first?.kind == servingCommandPool().kind)
    }

    // MARK: - Serving: status, STATUS=, scale to 0

    @Test("scaling a pool with binds to 0 is refused unless allowed; then it is not serving and not ready")
    func scaleToZero() throws {
        var harness = Harness([uvicornPool(workers: 2), commandPool(workers: 1)])
        harness.send(.start)
        harness.readyAll()
        for change in [ScaleChange(.to(0)), ScaleChange(.by(-2)), ScaleChange(.by(-5))] {
            let refused = harness.send(.command(.scale(pool: "web", change), from: .client(1)))
            #expect(refused.replies.first?.result.failureCode == .invalidArgument)
            #expect(refused.signals.isEmpty)
            #expect(harness.pool().desired == 2)
        }
        let refused = harness.send(.command(.scale(pool: "web", ScaleChange(.to(0))), from: .client(1)))
        guard case .failure(let failure) = refused.replies.first?.result else {
            Issue.record("scale to 0 was not refused")
            return
        }
        #expect(failure.message.contains("127.0.0.1:8000"))
        #expect(failure.message.contains("--allow-zero"))

        let allowed = harness.send(
            .command(.scale(pool: "web", ScaleChange(.to(0), allowZero: true)), from: .client(2))
        )
        #expect(allowed.signals.count == 2)
        #expect(allowed.systemd.contains(.status("web: 0/0 ready, gen 1, not serving; jobs: 1/1 ready, gen 1")))
        #expect(!harness.pool().serving)
        #expect(!harness.status.isReady)

        // A pool without binds at 0 is fine.
        harness.send(.command(.scale(pool: "jobs", ScaleChange(.to(0))), from: .client(3)))
        #expect(harness.pool("jobs").desired == 0)
        #expect(harness.pool("jobs").serving)

        harness.send(.command(.scale(pool: "web", ScaleChange(.to(1))), from: .client(4)))
        harness.readyAll()
        #expect(harness.pool().serving)
        #expect(harness.status.isReady)
    }

    @Test("a pool with binds whose every worker is down says 'not serving' in STATUS=")
    func notServingStatus() {
        var harness = Harness([uvicornPool(workers: 1)])
        harness.send(.start)
        harness.readyAll()
        let actions = harness.exit(harness.pids(state: .ready)[0])
        #expect(actions.systemd.contains(.status("web: 0/1 ready, gen 1, not serving")))
        #expect(!harness.pool().serving)
    }
}
