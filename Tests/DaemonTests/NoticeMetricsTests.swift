//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Testing

@testable import DroverCore
@testable import DroverDaemon

/// A worker of pool `pool` as notices name it.
func worker(_ id: UInt64, pool: String = "web", slot: Int = 0, pid: Int32? = nil) -> WorkerReference {
    WorkerReference(id: WorkerID(id), pool: pool, slot: slot, generation: 1, pid: pid ?? Int32(1000 + id))
}

/// What a run of notices adds up to, in order.
func updates(_ notices: [Notice]) -> [MetricUpdate] {
    var mapping = NoticeMetrics()
    return notices.flatMap { mapping.updates(for: $0) }
}

@Suite struct NoticeMetricsTests {
    @Test("An exit droverd did not ask for counts by how it ended: exit status or signal (kill -9)")
    func unaskedExits() {
        #expect(
            updates([.workerExited(worker(1), .exited(3), failed: true)]) == [.restart(pool: "web", reason: .exit)]
        )
        #expect(
            updates([.workerExited(worker(1), .exited(0), failed: true)]) == [.restart(pool: "web", reason: .exit)]
        )
        #expect(
            updates([.workerExited(worker(1, pool: "api"), .signaled(.kill, coreDumped: false), failed: true)])
                == [.restart(pool: "api", reason: .signal)]
        )
        // The OOM killer's SIGKILL is its own reason.
        #expect(
            updates([.workerExited(worker(1), .outOfMemory, failed: true)]) == [.restart(pool: "web", reason: .oom)]
        )
        // A segfault with a core dump is a signal too.
        #expect(
            updates([.workerExited(worker(1), .signaled(Signal(11), coreDumped: true), failed: true)])
                == [.restart(pool: "web", reason: .signal)]
        )
    }

    @Test("A timed-out worker counts once, for its timeout, not again when the abort or kill ends it")
    func timeoutsCountOnce() {
        let heartbeat = updates([
            .workerTimedOut(worker(1), .heartbeatTimeout, after: .seconds(30)),
            .workerKilled(worker(1)),
            .workerExited(worker(1), .signaled(.abort, coreDumped: false), failed: true),
        ])
        #expect(heartbeat == [.restart(pool: "web", reason: .heartbeatTimeout)])
        let boot = updates([
            .workerTimedOut(worker(2), .bootTimeout, after: .seconds(60)),
            .workerExited(worker(2), .signaled(.kill, coreDumped: false), failed: true),
        ])
        #expect(boot == [.restart(pool: "web", reason: .bootTimeout)])
        // WATCHDOG=trigger is systemd's "treat me as a watchdog timeout".
        #expect(
            updates([.workerTimedOut(worker(3), .watchdogTrigger, after: .zero)])
                == [.restart(pool: "web", reason: .heartbeatTimeout)]
        )
        // The memory of a counted timeout goes with the worker's exit; the next worker's exit counts.
        var mapping = NoticeMetrics()
        _ = mapping.updates(for: .workerTimedOut(worker(4), .heartbeatTimeout, after: .seconds(1)))
        #expect(mapping.timedOut == [WorkerID(4)])
        #expect(mapping.updates(for: .workerExited(worker(4), .exited(1), failed: true)).isEmpty)
        #expect(mapping.timedOut.isEmpty)
        #expect(
            mapping.updates(for: .workerExited(worker(5), .exited(1), failed: true))
                == [.restart(pool: "web", reason: .exit)]
        )
    }

    @Test("droverd's own stops count when it decides them: reload, scale, max_requests; their exits do not")
    func decidedStops() {
        #expect(
            updates([
                .workerStopping(worker(1), .replaced), .workerExited(worker(1), .exited(0), failed: false),
            ]) == [.restart(pool: "web", reason: .reload)]
        )
        #expect(
            updates([
                .workerStopping(worker(1), .scaledDown),
                .workerExited(worker(1), .signaled(.terminate, coreDumped: false), failed: false),
            ]) == [.restart(pool: "web", reason: .scale)]
        )
        #expect(
            updates([
                .workerStopping(worker(1), .recycled), .workerExited(worker(1), .exited(0), failed: false),
            ]) == [.restart(pool: "web", reason: .maxRequests)]
        )
        // Stops that replace nothing are no restarts: droverd stopping, a pool removed, a rollback's
        // incoming workers (the rollback counts as one).
        for reason in [StopReason.shutdown, .poolRemoved, .rolledBack] {
            #expect(
                updates([.workerStopping(worker(1), reason), .workerExited(worker(1), .exited(0), failed: false)])
                    .isEmpty
            )
        }
        #expect(
            updates([.spawnFailed(worker(1), error: "no such file")]) == [.restart(pool: "web", reason: .spawnFailed)]
        )
    }

    @Test("A request timeout counts once, when the worker is stopped after its replacement is ready")
    func requestTimeoutCountsOnce() {
        let counted = updates([
            .workerTimedOut(worker(1), .requestTimeout, after: .seconds(31)),
            .workerStopping(worker(1), .requestTimeout),
            .workerExited(worker(1), .exited(0), failed: false),
        ])
        #expect(counted == [.restart(pool: "web", reason: .requestTimeout)])
    }

    @Test("Every stop reason of the core maps to a restart reason or, on purpose, to none")
    func everyStopReason() {
        let expected: [StopReason: RestartReason?] = [
            .replaced: .reload, .scaledDown: .scale, .rolledBack: nil, .poolRemoved: nil, .shutdown: nil,
            .bootTimeout: .bootTimeout, .heartbeatTimeout: .heartbeatTimeout, .watchdogTrigger: .heartbeatTimeout,
            .recycled: .maxRequests, .lifetime: .lifetime, .memory: .memory, .requestTimeout: .requestTimeout,
            .poolMemory: .memory, .pressure: .pressure,
        ]
        // A new stop reason fails here until it is given a restart reason (or none, on purpose).
        #expect(Set(expected.keys) == Set(StopReason.allCases))
        for reason in StopReason.allCases {
            #expect(NoticeMetrics.reason(for: reason) == expected[reason] ?? nil, "\(reason)")
        }
        // Every reason the counter shows can come from some notice.
        let mapped = StopReason.allCases.compactMap { NoticeMetrics.reason(for: $0) }
        #expect(Set(RestartReason.allCases) == Set(mapped + [.exit, .signal, .oom, .spawnFailed]))
    }

    @Test("Rollouts: started, succeeded, rolled back; a ready worker's boot time")
    func rolloutsAndBoots() {
        #expect(
            updates([
                .rolloutStarted(pool: "web", from: 1, to: 2),
                .workerSpawned(worker(7)),
                .workerReady(worker(7), bootTime: .milliseconds(300)),
                .workerStopping(worker(1), .replaced),
                .rolloutFinished(pool: "web", generation: 2, duration: .seconds(1)),
                .rolloutStarted(pool: "web", from: 2, to: 3),
                .workerExited(worker(8), .exited(1), failed: true),
                .rolloutFailed(pool: "web", generation: 3, reason: "worker 8 exited"),
            ]) == [
                .rolloutStarted(pool: "web"),
                .workerBooted(pool: "web", bootTime: .milliseconds(300)),
                .restart(pool: "web", reason: .reload),
                .rolloutSucceeded(pool: "web"),
                .rolloutStarted(pool: "web"),
                .restart(pool: "web", reason: .exit),
                .rolloutRolledBack(pool: "web"),
            ]
        )
    }

    @Test("Notices that change no metric")
    func quietNotices() {
        let quiet: [Notice] = [
            .workerSpawned(worker(1)), .workerKilled(worker(1)),
            .respawnScheduled(pool: "web", slot: 0, after: .seconds(1), failures: 2),
            .orphanReaped(pid: 4, .exited(0)), .started, .startupFailed(pool: "web", reason: "x"),
            .probeFailed(worker(1), answer: "503"), .scaled(pool: "web", from: 1, to: 2), .reloadStarted,
            .filesChanged(["app.py"]), .reloadFinished(failure: nil), .poolAdded(pool: "web"),
            .poolRemoved(pool: "web"), .stopping(.graceful), .hookFailed(hook: "on_reload", reason: "x", fatal: false),
        ]
        #expect(updates(quiet).isEmpty)
    }
}
