//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Testing

@testable import DroverCore

@Suite("ready_probe: ready once the worker's own socket answers the path")
struct ReadyProbeTests {
    private func probedPool(readiness waitReady: Bool? = nil, bootTimeout: Duration = .seconds(10)) -> PoolConfiguration
    {
        PoolConfiguration(
            name: "web",
            kind: .command(arguments: ["server", "--fd", "{fd}", "--fd", "{fd:probe}"]),
            workers: 1,
            binds: [BindAddress(.tcp(host: "127.0.0.1", port: 8000))],
            waitReady: waitReady,
            readyProbe: "/healthz",
            bootTimeout: bootTimeout,
            heartbeatTimeout: nil
        )
    }

    private func worker(_ pid: Int32, _ harness: Harness) throws -> WorkerID {
        try #require(harness.pids.first { $0.value == pid }?.key)
    }

    private func probes(_ actions: [SupervisorAction]) -> [String] {
        actions.compactMap { if case .probe(_, _, let path, _) = $0 { path } else { nil } }
    }

    @Test("seen accepting, then probed: 503 is asked again after 0.2 s, 200 makes it ready")
    func observedThenProbed() throws {
        var harness = Harness([probedPool()])
        harness.send(.start)
        let pid = harness.pids(state: .starting)[0]
        let id = try #require(harness.pids.first { $0.value == pid }?.key)
        #expect(harness.supervisor.observationsDue.count == 1)
        let seen = harness.send(.observedAccepting(id))
        #expect(probes(seen) == ["/healthz"])
        #expect(harness.supervisor.observationsDue.isEmpty)  // no more looking while it is asked
        #expect(harness.pool().workers[0].state == .starting)
        let answered = harness.send(.probed(id, status: 503, detail: "Service Unavailable"))
        let told = answered.notices.compactMap { if case .probeFailed(_, let answer) = $0 { answer } else { nil } }
        #expect(told == ["GET /healthz answered 503"])
        #expect(probes(harness.advance(.milliseconds(100))).isEmpty)
        #expect(probes(harness.advance(.milliseconds(100))) == ["/healthz"])
        // The same answer again is not told again.
        #expect(harness.send(.probed(id, status: 503, detail: "Service Unavailable")).notices.isEmpty)
        harness.advance(.milliseconds(200))
        let ready = harness.send(.probed(id, status: 200, detail: "OK"))
        #expect(ready.notices.contains { if case .workerReady = $0 { true } else { false } })
        #expect(harness.pool().workers[0].state == .ready)
    }

    @Test(
        "READY=1 is not enough either; a new generation whose probe never passes fails its rollout, naming the answer"
    )
    func rolloutBootTimeout() throws {
        var harness = Harness([probedPool(readiness: true, bootTimeout: .seconds(2))])
        harness.send(.start)
        let first = harness.pids(state: .starting)[0]
        #expect(probes(harness.ready(first)) == ["/healthz"])
        #expect(harness.pool().workers[0].state == .starting)
        harness.send(.probed(try worker(first, harness), status: 200, detail: "OK"))
        #expect(harness.pool().workers[0].state == .ready)

        harness.send(.command(.restart(pool: "web"), from: .client(1)))
        let incoming = try #require(harness.pids(state: .starting).first)
        harness.ready(incoming)
        harness.send(.probed(try worker(incoming, harness), status: nil, detail: "connection closed without an answer"))
        let actions = harness.advance(.seconds(2))
        let reasons = actions.notices.compactMap {
            if case .rolloutFailed(_, _, let reason) = $0 { reason } else { nil }
        }
        #expect(
            reasons.first?.contains(
                "ready_probe never passed (last: GET /healthz: connection closed without an answer)"
            )
                == true,
            "\(reasons)"
        )
        #expect(harness.pids(state: .ready) == [first])
    }

    @Test("an answer for a worker that is gone or already ready changes nothing")
    func lateAnswer() throws {
        var harness = Harness([probedPool()])
        harness.send(.start)
        let pid = harness.pids(state: .starting)[0]
        let id = try #require(harness.pids.first { $0.value == pid }?.key)
        harness.send(.observedAccepting(id))
        harness.send(.probed(id, status: 204, detail: "No Content"))
        #expect(harness.send(.probed(id, status: 500, detail: "")).isEmpty)
        harness.exit(pid, .signaled(.kill, coreDumped: false))
        #expect(harness.send(.probed(id, status: 200, detail: "OK")).isEmpty)
    }
}
