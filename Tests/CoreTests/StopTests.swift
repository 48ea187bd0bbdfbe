//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import Testing

@Suite("Stopping")
struct StopTests {
    func runningHarness() -> Harness {
        var harness = Harness([uvicornPool(workers: 2), commandPool(workers: 1)])
        harness.send(.start)
        harness.readyAll()
        return harness
    }

    @Test("graceful stop: stop accepting, STOPPING=1, SIGTERM to every worker, exit 0 once all are gone")
    func graceful() throws {
        var harness = runningHarness()
        let actions = harness.send(.command(.stop(.graceful), from: .client(9)))
        #expect(actions.stopsAccepting)
        #expect(actions.systemdWithoutStatus == [.stopping])
        #expect(actions.signals.map(\.signal) == [.terminate, .terminate, .terminate])
        #expect(actions.exitCode == nil)
        #expect(harness.status.pools.allSatisfy { $0.state == .stopping })
        harness.exitStopping("web")
        #expect(harness.history.exitCode == nil)
        let last = harness.exit(harness.pids("jobs", state: .stopping)[0], .exited(0))
        #expect(last.exitCode == 0)
        #expect(try last.replies.first?.result.get() == .stopped)
        // Nothing respawned on the way.
        #expect(harness.history.spawns.count == 3)
    }

    @Test("workers that ignore SIGTERM are killed at the graceful timeout")
    func gracefulTimeout() throws {
        var harness = runningHarness()
        harness.send(.command(.stop(.graceful), from: .signal))
        #expect(harness.advance(.milliseconds(29_999)).signals.isEmpty)
        let actions = harness.advance(.milliseconds(1))
        #expect(actions.signals.filter { $0.signal == .kill }.count == 3)
        #expect(actions.signals.allSatisfy { $0.group })
    }

    @Test("a worker droverd killed at its deadline died of that SIGKILL, even if the OOM killer struck meanwhile")
    func killedNotOutOfMemory() throws {
        var harness = runningHarness()
        let pid = harness.pids(state: .ready)[0]
        harness.send(.command(.stop(.graceful), from: .signal))
        harness.advance(.seconds(30))
        let exited = harness.exit(pid, .outOfMemory)
        #expect(
            exited.notices.contains {
                if case .workerExited(_, .signaled(.kill, coreDumped: false), _) = $0 { true } else { false }
            }
        )
    }

    @Test("a worker the OOM killer killed while serving is reported so")
    func outOfMemory() throws {
        var harness = runningHarness()
        let pid = harness.pids(state: .ready)[0]
        let exited = harness.exit(pid, .outOfMemory)
        #expect(
            exited.notices.contains { if case .workerExited(_, .outOfMemory, true) = $0 { true } else { false } }
        )
        #expect(
            harness.supervisor.status(at: harness.now).pools.flatMap(\.workers).contains {
                $0.lastExit == "killed by SIGKILL (out of memory)"
            }
        )
    }

    @Test("a second stop request (or QUIT) during a graceful stop speeds it up: quick signal, 2 s deadline")
    func escalation() throws {
        var harness = runningHarness()
        harness.send(.command(.stop(.graceful), from: .signal))
        harness.advance(.seconds(5))
        let actions = harness.send(.command(.stop(.graceful), from: .signal))
        #expect(actions.signals.map(\.signal) == [.interrupt, .interrupt, .interrupt])
        #expect(actions.notices.contains(.stopping(.quick)))
        #expect(harness.advance(.seconds(2)).signals.filter { $0.signal == .kill }.count == 3)
    }

    @Test("quick stop: the quick-stop signal at once")
    func quick() throws {
        var harness = runningHarness()
        let actions = harness.send(.command(.stop(.quick), from: .signal))
        #expect(actions.signals.map(\.signal) == [.interrupt, .interrupt, .interrupt])
        #expect(harness.advance(.seconds(2)).signals.filter { $0.signal == .kill }.count == 3)
    }

    @Test("stopping during a reload answers the reload's clients and spawns nothing more")
    func stopDuringReload() throws {
        var harness = runningHarness()
        let load = harness.send(.command(.reload, from: .client(1))).configurationLoads[0]
        harness.send(.configurationLoaded(load, .success([uvicornPool(workers: 2), commandPool(workers: 1)])))
        harness.send(.command(.reload, from: .client(2)))
        let actions = harness.send(.command(.stop(.graceful), from: .signal))
        #expect(actions.replies.map(\.client) == [1, 2])
        #expect(actions.replies.allSatisfy { $0.result.failureCode == .stopping })
        let more = harness.ready(harness.pids(state: .stopping)[0])
        #expect(more.spawns.isEmpty)
        let refused = harness.send(.command(.scale(pool: "web", ScaleChange(.by(1))), from: .client(3)))
        #expect(refused.replies.first?.result.failureCode == .stopping)
    }

    @Test("a crash during a stop is not respawned; stop before start exits at once")
    func crashDuringStop() throws {
        var harness = runningHarness()
        harness.send(.command(.stop(.graceful), from: .signal))
        let actions = harness.exit(harness.pids("web", state: .stopping)[0], .exited(1))
        #expect(actions.spawns.isEmpty)
        var idle = Harness([uvicornPool(workers: 2)])
        #expect(idle.send(.command(.stop(.graceful), from: .signal)).exitCode == 0)
    }

    @Test("systemd is told how long starting, reloading and draining may take")
    func timeoutExtensions() throws {
        var harness = Harness([uvicornPool(workers: 1)])
        // Three tries at the 10 s boot timeout, plus room.
        #expect(harness.send(.start).timeoutExtensions == [.seconds(38)])
        harness.readyAll()
        #expect(harness.send(.command(.reload, from: .signal)).timeoutExtensions == [.seconds(15)])
        harness.send(.configurationLoaded(1, .success([uvicornPool(workers: 1)])))
        harness.readyAll()
        // The 30 s graceful timeout, the abort grace, and room.
        #expect(harness.send(.command(.stop(.graceful), from: .signal)).timeoutExtensions == [.seconds(36)])
    }

    @Test("a pool that cannot start: ERRNO= (the worker's own, else EIO) before the exit")
    func errorNumber() throws {
        var harness = Harness([uvicornPool(workers: 1)])
        harness.send(.start)
        for attempt in 0..<3 {
            let pid = harness.pool().workers[0].pid!
            if attempt == 2 { harness.send(.notified(pid: pid, NotifyMessage(parsing: "ERRNO=98"))) }
            harness.exit(pid, .exited(3))
            harness.advance(.seconds(1))
        }
        #expect(harness.history.systemdWithoutStatus == [.errorNumber(98), .stopping])
        var plain = Harness([uvicornPool(workers: 1)])
        plain.send(.start)
        for _ in 0..<3 {
            plain.exit(plain.pool().workers[0].pid!, .exited(3))
            plain.advance(.seconds(1))
        }
        #expect(plain.history.systemdWithoutStatus.first == .errorNumber(5))
    }
}
