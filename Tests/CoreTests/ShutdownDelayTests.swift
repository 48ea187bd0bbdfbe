//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import Testing

@Suite("The shutdown delay (lame duck): not ready at once, serving until the graceful stop")
struct ShutdownDelayTests {
    func running(delay: Duration = .seconds(3)) -> Harness {
        Harness.running([uvicornPool(workers: 2), commandPool(workers: 1)], shutdownDelay: delay)
    }

    @Test("SIGTERM: not ready and STOPPING=1 at once, nothing stopped until the delay is over, then the graceful stop")
    func delayThenGracefulStop() throws {
        var harness = running()
        let actions = harness.send(.command(.stop(.graceful), from: .client(9)))
        #expect(!actions.stopsAccepting)
        #expect(actions.signals.isEmpty)
        #expect(actions.notices == [.shutdownDelay(.seconds(3))])
        #expect(actions.systemdWithoutStatus == [.stopping])
        // The delay, the 30 s graceful timeout, the abort grace, and room.
        #expect(actions.timeoutExtensions == [.seconds(39)])
        #expect(
            actions.systemd.contains(
                .status(
                    "web: 2/2 ready, gen 1; jobs: 1/1 ready, gen 1; "
                        + "not ready: shutdown delay (3s), then stopping"
                )
            )
        )
        #expect(harness.effects.timer == harness.now + .seconds(3))
        #expect(harness.status.stoppingInSeconds == 3)
        #expect(harness.status.notReadyReason?.contains("shutdown delay") == true)
        #expect(harness.pool().state == .stopping)
        #expect(harness.pool().ready == 2)

        harness.advance(.seconds(1))
        #expect(harness.status.stoppingInSeconds == 2)
        #expect(harness.advance(.milliseconds(1999)).isEmpty)
        let stop = harness.advance(.milliseconds(1))
        #expect(stop.stopsAccepting)
        #expect(stop.signals.map(\.signal) == [.terminate, .terminate, .terminate])
        #expect(stop.notices.contains(.stopping(.graceful)))
        #expect(!stop.notices.contains { if case .shutdownDelaySkipped = $0 { true } else { false } })
        #expect(stop.systemdWithoutStatus.isEmpty)  // STOPPING=1 was told once, at the start of the delay
        #expect(harness.status.stoppingInSeconds == nil)
        harness.exitStopping("web")
        let last = harness.exit(harness.pids("jobs", state: .stopping)[0], .exited(0))
        #expect(last.exitCode == 0)
        #expect(try last.replies.first?.result.get() == .stopped)
    }

    @Test("a worker that dies during the delay is replaced: the pool keeps serving until the stop")
    func respawnDuringDelay() throws {
        var harness = running()
        harness.send(.command(.stop(.graceful), from: .signal))
        let pid = harness.pids(state: .ready)[0]
        let actions = harness.exit(pid, .signaled(.kill, coreDumped: false))
        #expect(actions.spawns.count == 1)
    }

    @Test("a second SIGTERM or stop skips the rest of the delay; a third speeds the stop up")
    func secondStopSkips() throws {
        var harness = running()
        harness.send(.command(.stop(.graceful), from: .signal))
        harness.advance(.seconds(1))
        let second = harness.send(.command(.stop(.graceful), from: .client(4)))
        #expect(second.notices.prefix(2) == [.shutdownDelaySkipped(left: .seconds(2)), .stopping(.graceful)])
        #expect(second.stopsAccepting)
        #expect(second.signals.map(\.signal) == [.terminate, .terminate, .terminate])
        let third = harness.send(.command(.stop(.graceful), from: .signal))
        #expect(third.signals.map(\.signal) == [.interrupt, .interrupt, .interrupt])
    }

    @Test("SIGQUIT or `stop fast` during the delay: the quick stop at once")
    func quickSkips() throws {
        var harness = running()
        harness.send(.command(.stop(.graceful), from: .signal))
        let quick = harness.send(.command(Command(signal: .quit)!, from: .signal))
        #expect(quick.notices.contains(.stopping(.quick)))
        #expect(quick.signals.map(\.signal) == [.interrupt, .interrupt, .interrupt])
        var fast = running()
        fast.send(.command(.stop(.graceful), from: .signal))
        #expect(fast.send(.command(.stop(.quick), from: .client(2))).signals.count == 3)
    }

    @Test("SIGINT (a terminal's Ctrl-C) and a quick stop take no delay; neither does a stop while starting")
    func noDelay() throws {
        var interrupted = running()
        let stop = interrupted.send(.command(Command(signal: .interrupt)!, from: .signal))
        #expect(stop.stopsAccepting)
        #expect(stop.notices.first == .stopping(.graceful))
        var quick = running()
        #expect(quick.send(.command(.stop(.quick), from: .signal)).signals.count == 3)
        // Starting: no load balancer sends it anything yet.
        var starting = Harness([uvicornPool(workers: 2)], shutdownDelay: .seconds(3))
        starting.send(.start)
        #expect(starting.send(.command(.stop(.graceful), from: .signal)).stopsAccepting)
    }

    @Test("reload, restart and scale are refused during the delay, naming it; changed files restart nothing")
    func operationsRefused() throws {
        var harness = running()
        harness.send(.command(.stop(.graceful), from: .signal))
        harness.advance(.milliseconds(500))
        for command in [Command.reload, .restart(pool: nil), .scale(pool: "web", ScaleChange(.by(1)))] {
            let reply = harness.send(.command(command, from: .client(7))).replies
            #expect(reply.count == 1)
            guard case .failure(let failure) = reply.first?.result else {
                Issue.record("\(command) was not refused")
                continue
            }
            #expect(failure.code == .stopping)
            #expect(failure.message.contains("shutdown delay: its workers stop in 2.5s"))
        }
        harness.send(.filesChanged(["main.py"]))
        #expect(harness.advance(.seconds(1)).spawns.isEmpty)
        #expect(harness.history.configurationLoads.isEmpty)
    }

    @Test("a reload under way when the delay begins goes on; the stop ends it as it does without a delay")
    func rolloutDuringDelay() throws {
        var harness = running()
        let load = harness.send(.command(.reload, from: .client(1))).configurationLoads[0]
        harness.send(.configurationLoaded(load, .success([uvicornPool(workers: 2), commandPool(workers: 1)])))
        #expect(harness.send(.command(.stop(.graceful), from: .signal)).replies.isEmpty)
        let stop = harness.advance(.seconds(3))
        #expect(stop.replies.map(\.client) == [1])
        #expect(stop.replies.allSatisfy { $0.result.failureCode == .stopping })
    }
}
