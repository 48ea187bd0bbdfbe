//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Testing

@testable import DroverCore

@Suite("A worker's phases: each input valid in its phase, the others rejected")
struct WorkerPhaseTests {
    let t0 = Instant(nanoseconds: 1_000_000_000_000)
    var t1: Instant { t0 + .seconds(1) }
    var t2: Instant { t0 + .seconds(2) }
    var t9: Instant { t0 + .seconds(9) }

    /// Every input, with fixed arguments.
    var inputs: [(name: String, apply: (inout WorkerPhase) throws -> Void)] {
        [
            ("spawned", { _ = try $0.spawned(pid: 7, bootDeadline: t9) }),
            ("probeAsked", { _ = try $0.probeAsked() }),
            ("probeFailed", { _ = try $0.probeFailed(answer: "GET / answered 503", retryAt: t1) }),
            ("probeRetryDue", { [t9] in _ = try $0.probeRetryDue(at: t9) }),
            ("bootExtended", { [t9] in try $0.bootExtended(to: t9) }),
            ("becameReady", { [t1] in try $0.becameReady(at: t1, heartbeatDeadline: nil) }),
            ("heartbeatMoved", { [t9] in try $0.heartbeatMoved(deadline: t9) }),
            ("askedToStop", { [t9] in _ = try $0.askedToStop(reason: .replaced, killAt: t9, quick: false) }),
            ("askedToStop quick", { [t1] in _ = try $0.askedToStop(reason: .shutdown, killAt: t1, quick: true) }),
            ("stoppingByItself", { [t9] in try $0.stoppingByItself(killAt: t9) }),
            ("aborted", { [t1] in _ = try $0.aborted(reason: .heartbeatTimeout, killAt: t1) }),
            ("killed", { _ = try $0.killed() }),
        ]
    }

    func stop(pid: Int32?, _ reason: StopReason = .shutdown, killAt: Instant?) -> WorkerPhase {
        .stopping(WorkerStop(pid: pid, reason: reason, readySince: nil, probe: nil, killAt: killAt))
    }

    /// Each phase, with the inputs it accepts.
    var table: [(phase: WorkerPhase, accepts: Set<String>)] {
        let stops: Set = ["askedToStop", "askedToStop quick", "aborted"]
        return [
            (.spawning, ["spawned", "askedToStop", "askedToStop quick"]),
            (
                .starting(pid: 7, bootDeadline: t9, probe: .notAsked),
                stops.union(["probeAsked", "bootExtended", "becameReady"])
            ),
            (.starting(pid: 7, bootDeadline: nil, probe: .notAsked), stops.union(["probeAsked", "becameReady"])),
            (
                .starting(pid: 7, bootDeadline: t9, probe: .asking(lastAnswer: nil)),
                stops.union(["probeFailed", "bootExtended", "becameReady"])
            ),
            (
                .starting(pid: 7, bootDeadline: t9, probe: .waiting(retryAt: t1, lastAnswer: "refused")),
                stops.union(["probeFailed", "probeRetryDue", "bootExtended", "becameReady"])
            ),
            (.ready(pid: 7, since: t0, heartbeatDeadline: nil), stops.union(["heartbeatMoved", "stoppingByItself"])),
            (stop(pid: nil, killAt: t9), ["spawned", "askedToStop quick", "killed"]),
            (stop(pid: 7, killAt: t9), ["askedToStop quick", "killed"]),
            (stop(pid: 7, .bootTimeout, killAt: t9), ["killed"]),
            (stop(pid: 7, killAt: nil), []),
        ]
    }

    @Test("every phase accepts its inputs and rejects the others, unchanged")
    func acceptsAndRejects() {
        for (phase, accepts) in table {
            for (name, apply) in inputs {
                var next = phase
                if accepts.contains(name) {
                    #expect(throws: Never.self, "\(name) in \(phase)") { try apply(&next) }
                } else {
                    #expect(throws: InvalidTransition.self, "\(name) in \(phase)") { try apply(&next) }
                    #expect(next == phase, "\(name) in \(phase)")
                }
            }
        }
    }

    @Test("spawning: the pid starts it, with its boot deadline and the probe not asked")
    func spawnedStarts() throws {
        var phase = WorkerPhase.spawning
        #expect(phase.pid == nil && phase.deadline == nil && phase.state == .spawning)
        #expect(try phase.spawned(pid: 7, bootDeadline: t9) == .started)
        #expect(phase == .starting(pid: 7, bootDeadline: t9, probe: .notAsked))
        #expect(phase.pid == 7 && phase.deadline == t9 && phase.state == .starting)
        let error = #expect(throws: InvalidTransition.self) { try phase.spawned(pid: 8, bootDeadline: nil) }
        #expect(error?.state == "starting")
    }

    @Test("told to stop before it had a pid: nothing to signal until the pid comes, then the stop's signal")
    func stopBeforeSpawn() throws {
        var phase = WorkerPhase.spawning
        #expect(try phase.askedToStop(reason: .scaledDown, killAt: t9, quick: false) == .signalWhenSpawned)
        #expect(phase.stopReason == .scaledDown && phase.pid == nil && phase.deadline == t9)
        #expect(try phase.askedToStop(reason: .shutdown, killAt: t2, quick: true) == .signalWhenSpawned)
        #expect(try phase.spawned(pid: 7, bootDeadline: t9) == .signalStop(.scaledDown))
        #expect(phase == stop(pid: 7, .scaledDown, killAt: t2))
    }

    @Test("ready_probe: asked once, a bad answer waits, the retry asks again and keeps the last answer")
    func probe() throws {
        var phase = WorkerPhase.starting(pid: 7, bootDeadline: t9, probe: .notAsked)
        #expect(try phase.probeAsked() == 7)
        #expect(phase.probe == .asking(lastAnswer: nil) && phase.probeRetryAt == nil)
        #expect(try phase.probeFailed(answer: "GET / answered 503", retryAt: t1))
        #expect(phase.probeRetryAt == t1 && phase.deadline == t9)
        #expect(throws: InvalidTransition.self) { try phase.probeRetryDue(at: t0) }
        #expect(try phase.probeRetryDue(at: t1) == 7)
        #expect(phase.probe == .asking(lastAnswer: "GET / answered 503"))
        #expect(try !phase.probeFailed(answer: "GET / answered 503", retryAt: t2))
        #expect(try phase.probeFailed(answer: "GET /: connection refused", retryAt: t2))
        #expect(phase.probe?.lastAnswer == "GET /: connection refused")
    }

    @Test("starting: the boot deadline only moves later; ready keeps the pid and takes its heartbeat deadline")
    func bootAndReady() throws {
        var phase = WorkerPhase.starting(pid: 7, bootDeadline: t2, probe: .notAsked)
        try phase.bootExtended(to: t1)
        #expect(phase.deadline == t2)
        try phase.bootExtended(to: t9)
        #expect(phase.deadline == t9)
        try phase.becameReady(at: t1, heartbeatDeadline: t2)
        #expect(phase == .ready(pid: 7, since: t1, heartbeatDeadline: t2))
        #expect(phase.readySince == t1 && phase.deadline == t2 && phase.state == .ready)
        try phase.heartbeatMoved(deadline: t9)
        #expect(phase.deadline == t9)
    }

    @Test("a stop keeps what it stopped from: the probe of a starting worker, the ready time of a ready one")
    func stopsKeepTheirPast() throws {
        var starting = WorkerPhase.starting(pid: 7, bootDeadline: t9, probe: .asking(lastAnswer: "refused"))
        #expect(try starting.aborted(reason: .bootTimeout, killAt: t1) == 7)
        #expect(starting.probe == .asking(lastAnswer: "refused") && starting.readySince == nil)
        #expect(starting.stopReason == .bootTimeout && starting.deadline == t1)
        var ready = WorkerPhase.ready(pid: 7, since: t0, heartbeatDeadline: t9)
        #expect(try ready.askedToStop(reason: .replaced, killAt: t9, quick: false) == .signal(pid: 7, isNew: true))
        #expect(ready.readySince == t0 && ready.probe == nil && ready.deadline == t9)
        var recycled = WorkerPhase.ready(pid: 7, since: t0, heartbeatDeadline: nil)
        try recycled.stoppingByItself(killAt: t9)
        #expect(recycled.stopReason == .recycled && recycled.readySince == t0)
    }

    @Test("stopping: a quick stop brings SIGKILL forward (never back) and keeps the reason; SIGKILL once")
    func quickStopAndKill() throws {
        var phase = stop(pid: 7, .replaced, killAt: t2)
        #expect(try phase.askedToStop(reason: .shutdown, killAt: t9, quick: true) == .signal(pid: 7, isNew: false))
        #expect(phase.deadline == t2 && phase.stopReason == .replaced)
        _ = try phase.askedToStop(reason: .shutdown, killAt: t1, quick: true)
        #expect(phase.deadline == t1)
        #expect(try phase.killed() == 7)
        #expect(phase.deadline == nil && phase.state == .stopping)
        let error = #expect(throws: InvalidTransition.self) { try phase.killed() }
        #expect(error?.input == "killed()")
        var unspawned = stop(pid: nil, killAt: t1)
        #expect(try unspawned.killed() == nil)
    }
}
