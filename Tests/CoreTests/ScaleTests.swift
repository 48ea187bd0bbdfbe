//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import Testing

@Suite("Scaling")
struct ScaleTests {
    func runningHarness(workers: Int = 2) -> Harness {
        Harness.running([uvicornPool(workers: workers), commandPool(workers: 1)])
    }

    @Test("scale up adds slots after the last one, at the serving generation")
    func scaleUp() throws {
        var harness = runningHarness()
        let actions = harness.send(.command(.scale(pool: "web", ScaleChange(.by(2))), from: .signal))
        #expect(actions.spawns.map(\.slot) == [2, 3])
        #expect(actions.notices.contains(.scaled(pool: "web", from: 2, to: 4)))
        #expect(harness.pool().desired == 4)
    }

    @Test("scale down retires the highest slots gracefully; scaling up again reuses the lowest free index")
    func scaleDownThenUp() throws {
        var harness = runningHarness(workers: 3)
        let highest = harness.pool().workers.first { $0.slot == 2 }!.pid!
        var actions = harness.send(.command(.scale(pool: "web", ScaleChange(.to(2))), from: .signal))
        #expect(actions.signals.map(\.pid) == [highest])
        #expect(actions.signals.map(\.signal) == [.terminate])
        #expect(harness.pool().desired == 2)
        #expect(harness.pool().running == 3)  // the retired one is still draining
        actions = harness.exit(highest, .signaled(.terminate, coreDumped: false))
        #expect(actions.spawns.isEmpty)
        #expect(actions.notices.contains { if case .workerExited(_, _, failed: false) = $0 { true } else { false } })
        actions = harness.send(.command(.scale(pool: "web", ScaleChange(.by(1))), from: .signal))
        #expect(actions.spawns.map(\.slot) == [2])
    }

    @Test("without a pool name, scale acts on the first pool; TTOU never goes below one worker")
    func ttouFloor() throws {
        var harness = runningHarness(workers: 1)
        let actions = harness.send(.command(.scale(pool: nil, ScaleChange(.by(-1), floor: 1)), from: .signal))
        #expect(actions.signals.isEmpty)
        #expect(harness.pool().desired == 1)
        harness.send(.command(.scale(pool: nil, ScaleChange(.by(1), floor: 1)), from: .signal))
        #expect(harness.pool().desired == 2)
        #expect(harness.pool("jobs").desired == 1)
    }

    @Test("a client's scale is answered when the new workers are ready")
    func replyWhenReady() throws {
        var harness = runningHarness()
        var actions = harness.send(.command(.scale(pool: "web", ScaleChange(.to(3))), from: .client(7)))
        #expect(actions.replies.isEmpty)
        actions = harness.ready(harness.pids(state: .starting)[0])
        #expect(actions.replies.count == 1)
        #expect(actions.replies.first?.client == 7)
        #expect(try actions.replies.first?.result.get() == .scaled(pool: "web", workers: 3, ready: 3))
    }

    @Test("a client's scale fails when a new worker fails, and the pool keeps trying")
    func replyWhenFailed() throws {
        var harness = runningHarness()
        harness.send(.command(.scale(pool: "web", ScaleChange(.to(3))), from: .client(7)))
        let actions = harness.exit(harness.pids(state: .starting)[0], .exited(3))
        #expect(actions.replies.first?.result.failureCode == .workerFailed)
        #expect(actions.spawns.count == 1)
    }

    @Test("a scale overtaken by another scale is answered as superseded")
    func superseded() throws {
        var harness = runningHarness()
        harness.send(.command(.scale(pool: "web", ScaleChange(.to(4))), from: .client(1)))
        let actions = harness.send(.command(.scale(pool: "web", ScaleChange(.to(2))), from: .client(2)))
        #expect(actions.replies.map(\.client) == [1, 2])
        #expect(actions.replies[0].result.failureCode == .superseded)
        #expect(try actions.replies[1].result.get() == .scaled(pool: "web", workers: 2, ready: 2))
    }

    @Test("bad scale requests are refused with a clear error and change nothing")
    func badRequests() throws {
        var harness = runningHarness()
        var actions = harness.send(.command(.scale(pool: "nope", ScaleChange(.to(3))), from: .client(1)))
        #expect(actions.replies.first?.result.failureCode == .noSuchPool)
        actions = harness.send(.command(.scale(pool: "web", ScaleChange(.by(-5))), from: .client(2)))
        #expect(actions.replies.first?.result.failureCode == .invalidArgument)
        actions = harness.send(.command(.scale(pool: "web", ScaleChange(.to(1_000_000))), from: .client(3)))
        #expect(actions.replies.first?.result.failureCode == .invalidArgument)
        #expect(harness.pool().desired == 2)
        #expect(actions.spawns.isEmpty && actions.signals.isEmpty)
    }

    @Test("scaling to zero (asked for explicitly) and back")
    func zero() throws {
        var harness = runningHarness()
        harness.send(.command(.scale(pool: "web", ScaleChange(.to(0), allowZero: true)), from: .client(1)))
        let reply = harness.history.replies.last
        #expect(try reply?.result.get() == .scaled(pool: "web", workers: 0, ready: 0))
        harness.exitStopping()
        #expect(harness.pool().running == 0)
        harness.send(.command(.scale(pool: "web", ScaleChange(.to(1))), from: .signal))
        #expect(harness.pool().workers.map(\.slot) == [0])
    }
}
