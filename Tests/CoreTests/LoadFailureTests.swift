//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Testing

@testable import DroverCore

@Suite("An app that cannot be loaded: told once, and at start-up the end at once")
struct LoadFailureTests {
    private let failure = LoadFailure(
        summary: "ModuleNotFoundError: No module named 'mian'",
        traceback: [
            "Traceback (most recent call last):", "  File \"/app/main.py\", line 1, in <module>",
            "ModuleNotFoundError: No module named 'mian'",
        ]
    )

    private func report(_ failure: LoadFailure, from pid: Int32, _ harness: inout Harness) -> [SupervisorAction] {
        var message = NotifyMessage()
        message.loadFailure = failure
        return harness.send(.notified(pid: pid, message))
    }

    private func loadFailures(_ actions: [SupervisorAction]) -> [(WorkerReference, WorkerReference?)] {
        actions.notices.compactMap {
            if case .appLoadFailed(let worker, _, let sameAs) = $0 { (worker, sameAs) } else { nil }
        }
    }

    @Test("DROVER_LOAD_ERROR and DROVER_TRACEBACK parse into a load failure, newlines and backslashes unescaped")
    func parsing() {
        let message = NotifyMessage(
            parsing:
                "DROVER_LOAD_ERROR=ValueError: a\\b\nDROVER_TRACEBACK=Traceback:\\n  File \"C:\\\\x\"\\nValueError: a\\\\b"
        )
        #expect(message.loadFailure?.summary == "ValueError: a\\b")
        #expect(message.loadFailure?.traceback == ["Traceback:", "  File \"C:\\x\"", "ValueError: a\\b"])
        #expect(NotifyMessage(parsing: "DROVER_TRACEBACK=E: x").loadFailure?.summary == "E: x")
        #expect(NotifyMessage(parsing: "READY=1").loadFailure == nil)
    }

    @Test(
        "start-up: the first load failure stops droverd at once with exit 4; the traceback is told once, the reason last"
    )
    func startup() throws {
        var harness = Harness([uvicornPool(workers: 3)])
        harness.send(.start)
        let pids = harness.pids(state: .starting)
        #expect(pids.count == 3)
        let first = report(failure, from: pids[1], &harness)
        let second = report(failure, from: pids[0], &harness)
        #expect(loadFailures(first).map { $0.1 } == [nil])  // told in full
        #expect(loadFailures(second).map { $0.1?.pid } == [pids[1]])  // one line: the same as pids[1]
        let exit = harness.exit(pids[1], .exited(4))
        #expect(exit.stopsAccepting)  // no second or third attempt
        #expect(!exit.contains { if case .spawn = $0 { true } else { false } })
        for pid in harness.pids(state: .stopping) { harness.exit(pid, .exited(0)) }
        #expect(harness.history.exitCode == 4)
        guard case .startupFailed(let pool, let reason) = harness.history.notices.last else {
            Issue.record("the last notice is \(String(describing: harness.history.notices.last))")
            return
        }
        #expect(pool == "web")
        #expect(reason == "the app main:app failed to load: ModuleNotFoundError: No module named 'mian'")
        #expect(harness.history.notices.filter { if case .startupFailed = $0 { true } else { false } }.count == 1)
    }

    @Test(
        "a serving pool whose respawn cannot load the app backs off as for any crash, told in one line after the first"
    )
    func servingPool() throws {
        var harness = Harness.running([uvicornPool(workers: 2)])
        var pid = harness.pool().workers[0].pid!
        harness.exit(pid, .signaled(.kill, coreDumped: false))  // a crash; the respawn finds broken code on disk
        var told: [WorkerReference?] = []
        for _ in 0..<3 {
            pid = harness.pool().workers[0].pid!
            told += loadFailures(report(failure, from: pid, &harness)).map { $0.1 }
            harness.exit(pid, .exited(4))
            harness.advance(.seconds(2))
        }
        #expect(told.count == 3)
        #expect(told[0] == nil)
        #expect(told.dropFirst().allSatisfy { $0 != nil })
        #expect(!harness.supervisor.isStopping)
        #expect(harness.history.exitCode == nil)
        #expect(harness.pool().workers[0].stderrTail.last == "ModuleNotFoundError: No module named 'mian'")
    }

    @Test("a new generation that cannot load the app fails the rollout with the summary; the old one serves on")
    func rollout() throws {
        var harness = Harness.running([uvicornPool(workers: 2)])
        let old = harness.pids(state: .ready)
        let load = harness.send(.command(.reload, from: .client(7))).configurationLoads
        harness.send(.configurationLoaded(try #require(load.first), .success([uvicornPool(workers: 2)])))
        let incoming = harness.pids(state: .starting)
        #expect(incoming.count >= 1)
        _ = report(failure, from: incoming[0], &harness)
        let actions = harness.exit(incoming[0], .exited(4))
        let reasons = actions.notices.compactMap {
            if case .rolloutFailed(_, _, let reason) = $0 { reason } else { nil }
        }
        #expect(reasons.first?.hasSuffix("ModuleNotFoundError: No module named 'mian'") == true)
        #expect(harness.pids(state: .ready) == old)
    }
}
