//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Bad luck is not a crash loop: a ready worker killed from outside is replaced at once")
struct AvailabilityTests {
    @Test("SIGKILL of a ready worker, again and again: replaced at once each time, at most 10 a second per slot")
    func outsideKills() throws {
        var harness = Harness.running([uvicornPool(workers: 1)])
        var delays: [Duration] = []
        for _ in 0..<10 {
            let pid = harness.pids(state: .ready)[0]
            let actions = harness.exit(pid, .signaled(.kill, coreDumped: false))
            if actions.spawns.isEmpty {
                let scheduled = actions.notices.compactMap {
                    if case .respawnScheduled(_, _, let after, _) = $0 { after } else { nil }
                }
                delays += scheduled
                harness.advance(try #require(scheduled.first))
            } else {
                delays.append(.zero)
            }
            harness.readyAll()
            harness.advance(.milliseconds(30))  // killed again 30 ms after it is ready
        }
        // The first at once; then each waits for 100 ms since the last (70 ms after the kill).
        #expect(delays.first == .zero)
        #expect(delays.dropFirst().allSatisfy { $0 <= .milliseconds(70) })
        #expect(harness.pool().workers[0].restarts == 10)
    }

    @Test("crashes keep their backoff: a segfault, an exit, a kill before the worker was ready")
    func crashesBackOff() throws {
        for status in [ExitStatus.signaled(Signal(SIGSEGV), coreDumped: true), .exited(1)] {
            var harness = Harness.running([uvicornPool(workers: 1)])
            var pid = harness.pids(state: .ready)[0]
            harness.exit(pid, status)  // the first failure: at once
            harness.readyAll()
            pid = harness.pids(state: .ready)[0]
            let second = harness.exit(pid, status)
            #expect(second.spawns.isEmpty, "\(status)")
            #expect(second.notices.contains { if case .respawnScheduled = $0 { true } else { false } })
        }
        var harness = Harness.running([uvicornPool(workers: 1)])
        harness.exit(harness.pids(state: .ready)[0], .signaled(.kill, coreDumped: false))
        let booting = harness.pids(state: .starting)[0]
        harness.exit(booting, .signaled(.kill, coreDumped: false))  // killed while starting: a failure
        let again = harness.pids(state: .starting)[0]
        #expect(harness.exit(again, .signaled(.kill, coreDumped: false)).spawns.isEmpty)  // backing off
    }
}
