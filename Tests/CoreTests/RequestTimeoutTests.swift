//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Testing

@testable import DroverCore

@Suite("request_timeout: the page's oldest request, read when it could be late; stacks, then a surge-first replacement")
struct RequestTimeoutTests {
    private func pool(heartbeat: Duration? = nil) -> PoolConfiguration {
        var configuration = uvicornPool(workers: 1, heartbeat: heartbeat)
        configuration.requestTimeout = .seconds(30)
        return configuration
    }

    private func id(of pid: Int32, _ harness: Harness) -> WorkerID {
        harness.effects.pids.first { $0.value == pid }!.key
    }

    private func timeouts(_ actions: [SupervisorAction]) -> [StopReason] {
        actions.notices.compactMap { if case .workerTimedOut(_, let reason, _) = $0 { reason } else { nil } }
    }

    @Test("off: no request check is due, and without a heartbeat timeout nothing is")
    func off() {
        var harness = Harness.running([uvicornPool(workers: 1)])
        #expect(harness.supervisor.nextDeadline == nil)
        harness = Harness.running([pool()])  // on, with no heartbeat timeout: the page is there for it
        #expect(harness.supervisor.nextDeadline == harness.now + .seconds(30))
    }

    @Test("idle: the page is read once per timeout, nothing else happens")
    func idle() {
        var harness = Harness.running([pool()])
        let worker = id(of: harness.pids(state: .ready)[0], harness)
        harness.effects.heartbeats[worker] = harness.now
        for _ in 0..<3 {
            let actions = harness.advance(.seconds(30))
            harness.effects.heartbeats[worker] = harness.now
            #expect(actions.spawns.isEmpty && actions.signals.isEmpty && timeouts(actions).isEmpty)
        }
        #expect(harness.supervisor.nextDeadline == harness.now + .seconds(30))
    }

    @Test("a request 30 s old: SIGUSR2 for its stacks, a replacement; the old worker goes once it is ready")
    func late() throws {
        var harness = Harness.running([pool(heartbeat: .seconds(120))])
        let old = harness.pids(state: .ready)[0]
        let worker = id(of: old, harness)
        let start = harness.now + .seconds(5)
        harness.effects.oldestRequests[worker] = start
        harness.effects.heartbeats[worker] = harness.now + .seconds(30)
        // At 30 s the request is 25 s old: read again when it would be 30 s old.
        let first = harness.advance(.seconds(30))
        #expect(first.spawns.isEmpty && timeouts(first).isEmpty)
        #expect(harness.supervisor.nextDeadline == start + .seconds(30))
        let second = harness.advance(.seconds(5))
        #expect(timeouts(second) == [.requestTimeout])
        #expect(second.signals.map(\.signal) == [.user2] && second.signals.map(\.pid) == [old])
        #expect(second.spawns.map(\.slot) == [0])
        #expect(harness.supervisor.workers[worker]?.nextRequestCheck == nil)  // checked no more
        let new = try #require(harness.pids(state: .starting).first)
        let ready = harness.ready(new)
        #expect(ready.signals.map(\.pid) == [old] && ready.signals.map(\.signal) == [.terminate])
        #expect(
            ready.notices.contains { if case .workerStopping(_, .requestTimeout) = $0 { true } else { false } }
        )
    }
}
