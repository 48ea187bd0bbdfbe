//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import Testing

@Suite("Decisions the shell used to make: signals, log reopening, which sockets stop or stay")
struct ShellDecisionTests {
    @Test("signals mean what they mean to Gunicorn's arbiter; TTOU keeps one worker; others are ignored")
    func signals() {
        #expect(Command(signal: .terminate) == .stop(.graceful))
        #expect(Command(signal: .interrupt) == .stop(.graceful, afterDelay: false))
        #expect(Command(signal: .quit) == .stop(.quick))
        #expect(Command(signal: .hangup) == .reload)
        #expect(Command(signal: .ttyInput) == .scale(pool: nil, ScaleChange(.by(1), floor: 1)))
        #expect(Command(signal: .ttyOutput) == .scale(pool: nil, ScaleChange(.by(-1), floor: 1)))
        #expect(Command(signal: .user1) == .reopenLogs)
        #expect(Command(signal: .user2) == nil)
        #expect(Command(signal: .child) == nil)
    }

    @Test(
        "the launcher's share of the graceful timeout: idle grace min(1 s, g/4), then g less it and 0.5 s, at least 0.1 s"
    )
    func launcherBudget() {
        let policy = SupervisorPolicy()
        #expect(
            policy.launcherBudget(graceful: .seconds(120))
                == LauncherBudget(idleGrace: .seconds(1), graceful: .milliseconds(118_500))
        )
        #expect(
            policy.launcherBudget(graceful: .seconds(2))
                == LauncherBudget(idleGrace: .milliseconds(500), graceful: .seconds(1))
        )
        #expect(
            policy.launcherBudget(graceful: .milliseconds(200))
                == LauncherBudget(idleGrace: .milliseconds(50), graceful: .milliseconds(100))
        )
        var harness = Harness([uvicornPool(workers: 1)])
        let order = harness.send(.start).spawns.first
        #expect(order?.launcherBudget == policy.launcherBudget(graceful: .seconds(30)))
    }

    @Test("a worker that exited takes its process group with it: SIGKILL to the group, then release")
    func groupKill() {
        var harness = Harness.running([uvicornPool(workers: 1)])
        let pid = harness.pids(state: .ready)[0]
        let actions = harness.exit(pid, .signaled(.kill, coreDumped: false))
        #expect(actions.signals.first.map { [$0.pid, $0.signal.rawValue] } == [pid, Signal.kill.rawValue])
        #expect(actions.signals.first?.group == true)
        let release = actions.firstIndex { if case .release = $0 { true } else { false } }
        let kill = actions.firstIndex { if case .signal = $0 { true } else { false } }
        #expect(kill.map { k in release.map { k < $0 } ?? false } == true)
    }

    @Test("TTOU on a pool of one leaves it at one")
    func ttouFloor() {
        var harness = Harness.running([uvicornPool(workers: 1)])
        harness.send(.command(Command(signal: .ttyOutput)!, from: .signal))
        #expect(harness.pool().desired == 1)
    }

    @Test("reopen-logs: droverd's log first, then SIGUSR1 to every worker, then the answer")
    func reopenLogs() {
        var harness = Harness.running([uvicornPool(workers: 2), commandPool(workers: 1)])
        let actions = harness.send(.command(.reopenLogs, from: .client(3)))
        guard case .reopenLogs = actions.first else {
            Issue.record("first action: \(String(describing: actions.first))")
            return
        }
        let signalled = actions.compactMap { if case .signal(_, let pid, .user1, false) = $0 { pid } else { nil } }
        #expect(Set(signalled) == Set(harness.pids(state: .ready) + harness.pids("jobs", state: .ready)))
        #expect(actions.replies.map(\.result) == [.success(.reopened)])
    }

    @Test("a stop shuts down only the sockets of pools that are not command pools")
    func stopAccepting() {
        var web = uvicornPool(workers: 1)
        web.binds = [BindAddress(.tcp(host: "127.0.0.1", port: 8000))]
        var node = commandPool("node", workers: 1)
        node.binds = [BindAddress(.tcp(host: "127.0.0.1", port: 3000))]
        var harness = Harness.running([web, node])
        let actions = harness.send(.command(.stop(.graceful), from: .signal))
        let binds = actions.compactMap { if case .stopAccepting(let binds) = $0 { binds } else { nil } }
        #expect(binds == [[BindAddress(.tcp(host: "127.0.0.1", port: 8000))]])
    }

    @Test("after a reload, droverd keeps the sockets the new configuration uses, whether it rolled out or not")
    func retainListeners() throws {
        var harness = Harness.running([uvicornPool(workers: 1)])
        var moved = uvicornPool(workers: 1)
        moved.binds = [BindAddress(.tcp(host: "127.0.0.1", port: 9000))]
        let load = try #require(harness.send(.command(.reload, from: .signal)).configurationLoads.first)
        harness.send(.configurationLoaded(load, .success([moved])))
        harness.readyAll()
        let kept = harness.history.compactMap { if case .retainListeners(let binds) = $0 { binds } else { nil } }
        #expect(kept == [[BindAddress(.tcp(host: "127.0.0.1", port: 9000))]])
    }
}

@Suite("Reload mode's debounce, in the core")
struct ReloadDebounceTests {
    @Test("changes in a burst restart every pool once, 100 ms after the last; the files are told")
    func debounce() {
        var harness = Harness.running([uvicornPool(workers: 1)])
        harness.send(.filesChanged(["main.py"]))
        harness.advance(.milliseconds(60))
        harness.send(.filesChanged(["main.py", "util.py"]))
        #expect(harness.advance(.milliseconds(60)).spawns.isEmpty)  // 60 ms after the last change
        let restart = harness.advance(.milliseconds(40))
        #expect(restart.notices.contains(.filesChanged(["main.py", "util.py"])))
        #expect(restart.spawns.map(\.generation) == [2])
        #expect(
            harness.advance(.seconds(1)).notices.filter { if case .filesChanged = $0 { true } else { false } }.isEmpty
        )
    }

    @Test("no restart once droverd is stopping")
    func stopping() {
        var harness = Harness.running([uvicornPool(workers: 1)])
        harness.send(.filesChanged(["main.py"]))
        harness.send(.command(.stop(.graceful), from: .signal))
        #expect(harness.advance(.milliseconds(200)).spawns.isEmpty)
    }
}
