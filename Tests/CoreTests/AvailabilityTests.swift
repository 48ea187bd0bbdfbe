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
    /// How long the slot waits to respawn after an exit's `actions` (zero when it spawned at once);
    /// moves the clock past a scheduled respawn.
    private static func respawn(after actions: [SupervisorAction], _ harness: inout Harness) throws -> Duration {
        guard actions.spawns.isEmpty else { return .zero }
        let scheduled = actions.notices.compactMap {
            if case .respawnScheduled(_, _, let after, _) = $0 { after } else { nil }
        }
        let delay = try #require(scheduled.first)
        harness.advance(delay)
        return delay
    }

    @Test("SIGKILL of a ready worker, again and again: replaced at once each time, at most 10 a second per slot")
    func outsideKills() throws {
        var harness = Harness.running([uvicornPool(workers: 1)])
        var delays: [Duration] = []
        for _ in 0..<10 {
            let pid = harness.pids(state: .ready)[0]
            delays.append(try Self.respawn(after: harness.exit(pid, .signaled(.kill, coreDumped: false)), &harness))
            harness.readyAll()
            harness.advance(.milliseconds(30))  // killed again 30 ms after it is ready
        }
        // The first at once; then each waits for 100 ms since the last (70 ms after the kill).
        #expect(delays.first == .zero)
        #expect(delays.dropFirst().allSatisfy { $0 <= .milliseconds(70) })
        #expect(harness.pool().workers[0].restarts == 10)
    }

    @Test("crashes keep their backoff: a segfault, an exit; a crash while starting")
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
        harness.exit(booting, .signaled(Signal(SIGSEGV), coreDumped: true))  // crashed while starting
        let again = harness.pids(state: .starting)[0]
        #expect(harness.exit(again, .signaled(Signal(SIGSEGV), coreDumped: true)).spawns.isEmpty)  // backing off
    }

    @Test("a worker killed while starting, in a pool that has served, is replaced as a serving one is")
    func outsideKillsWhileStarting() throws {
        var harness = Harness.running([uvicornPool(workers: 1)])
        harness.exit(harness.pids(state: .ready)[0], .signaled(.kill, coreDumped: false))
        var delays: [Duration] = []
        for _ in 0..<6 {  // every replacement killed again before it is ready
            let booting = try #require(harness.pids(state: .starting).first)
            harness.advance(.milliseconds(50))
            delays.append(try Self.respawn(after: harness.exit(booting, .signaled(.kill, coreDumped: false)), &harness))
        }
        // No growing backoff (0.1, 0.2, 0.4 … s): at most 100 ms since the last respawn.
        #expect(delays.allSatisfy { $0 <= .milliseconds(100) }, "\(delays)")
        harness.readyAll()
        #expect(harness.pids(state: .ready).count == 1)
    }

    @Test("during droverd's start-up a kill while starting still counts: the pool has never served")
    func killsAtStartUpCount() throws {
        var harness = Harness([uvicornPool(workers: 1)])
        harness.send(.start)
        let first = try #require(harness.pids(state: .starting).first)
        harness.exit(first, .signaled(.kill, coreDumped: false))
        let second = try #require(harness.pids(state: .starting).first)
        #expect(harness.exit(second, .signaled(.kill, coreDumped: false)).spawns.isEmpty)  // backing off
    }

    /// Times out every ready worker of the pool by its heartbeat, one after the other, the way a
    /// request that blocks the event loop does; returns the delays the slots waited.
    private func heartbeatTimeouts(_ harness: inout Harness, rounds: Int) throws -> [Duration] {
        var delays: [Duration] = []
        for _ in 0..<rounds {
            harness.readyAll()
            // The heartbeat stops: the abort, then the kill of the process group.
            let pid = harness.pids(state: .ready)[0]
            harness.advance(.seconds(6))
            #expect(harness.pids(state: .stopping).contains(pid))
            let actions = harness.exit(pid, .signaled(.abort, coreDumped: false))
            for case .respawnScheduled(_, _, let after, _) in actions.notices {
                delays.append(after)
                harness.advance(after)
            }
        }
        return delays
    }

    @Test("a pool whose every worker timed out after serving is not left empty for a whole backoff")
    func timedOutPoolRetriesSoon() throws {
        var harness = Harness.running([uvicornPool(workers: 1, heartbeat: .seconds(5))])
        let delays = try heartbeatTimeouts(&harness, rounds: 6)
        // Without the floor: 0, 0.1, 0.2, 0.4, 0.8, 1.6 s with no worker at all.
        #expect(!delays.isEmpty)
        #expect(delays.allSatisfy { $0 <= .milliseconds(100) })
        #expect(harness.pool().workers[0].restarts == 6)
    }

    @Test("the floor is for an empty pool only: with another slot serving, backoff grows as before")
    func timedOutSlotBacksOffWhileAnotherServes() throws {
        var harness = Harness.running([uvicornPool(workers: 2, heartbeat: .seconds(5))])
        var delays: [Duration] = []
        for _ in 0..<5 {
            harness.readyAll()
            let workers = harness.pool().workers
            guard let stuck = workers.first(where: { $0.slot == 0 })?.pid,
                let healthy = harness.pids.first(where: { $0.value == workers.first { $0.slot == 1 }?.pid })?.key
            else { break }
            // Slot 1's page is stamped every second; slot 0's stops.
            for _ in 0..<6 {
                harness.effects.heartbeats[healthy] = harness.now
                harness.advance(.seconds(1))
            }
            let actions = harness.exit(stuck, .signaled(.abort, coreDumped: false))
            for case .respawnScheduled(_, _, let after, _) in actions.notices { delays.append(after) }
            for _ in 0..<4 {  // wait out the backoff (up to 0.8 s here), slot 1 still beating
                harness.effects.heartbeats[healthy] = harness.now
                harness.advance(.milliseconds(250))
            }
        }
        #expect(harness.pids(state: .ready).count + harness.pids(state: .starting).count == 2)
        #expect(delays.contains { $0 > .milliseconds(100) })  // 0.2 s, 0.4 s: the usual backoff
    }
}
