//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Foundation
import Testing

/// One worker, as events name it.
private let web2 = EventWorker(pool: "web", pid: 5698, slot: 2, generation: 1)

/// Every event kind with the line droverd writes for it (docs/PROTOCOL.md's table): a renamed or
/// reordered field fails here.
let goldenEvents: [(ControlEvent.Kind, String)] = [
    (.subscribed(pid: 42), #""event":"subscribed","pid":42"#),
    (.workerSpawned(web2), #""event":"worker_spawned","pool":"web","pid":5698,"slot":2,"generation":1"#),
    (
        .workerSpawned(EventWorker(pool: "web", pid: nil, slot: 0, generation: 3)),
        #""event":"worker_spawned","pool":"web","pid":null,"slot":0,"generation":3"#
    ),
    (
        .workerReady(web2, bootSeconds: 0.304),
        #""event":"worker_ready","pool":"web","pid":5698,"slot":2,"generation":1,"boot_s":0.304"#
    ),
    (
        .workerStopping(web2, reason: "replaced"),
        #""event":"worker_stopping","pool":"web","pid":5698,"slot":2,"generation":1,"reason":"replaced""#
    ),
    (
        .workerTimeout(web2, reason: "bootTimeout", afterSeconds: 60),
        #""event":"worker_timeout","pool":"web","pid":5698,"slot":2,"generation":1,"reason":"bootTimeout","after_s":60"#
    ),
    (.workerKilled(web2), #""event":"worker_killed","pool":"web","pid":5698,"slot":2,"generation":1"#),
    (
        .memoryPressure(web2, bytes: 314_572_800),
        #""event":"memory_pressure","pool":"web","pid":5698,"slot":2,"generation":1,"bytes":314572800"#
    ),
    (
        .workerExited(web2, status: "killed by SIGKILL", failed: true),
        #""event":"worker_exited","pool":"web","pid":5698,"slot":2,"generation":1,"status":"killed by SIGKILL","failed":true"#
    ),
    (
        .spawnFailed(web2, error: "no such file"),
        #""event":"spawn_failed","pool":"web","pid":5698,"slot":2,"generation":1,"error":"no such file""#
    ),
    (
        .respawnScheduled(pool: "web", slot: 1, afterSeconds: 0.2, failures: 3),
        #""event":"respawn_scheduled","pool":"web","slot":1,"after_s":0.2,"failures":3"#
    ),
    (.orphanReaped(pid: 77, status: "exit 0"), #""event":"orphan_reaped","pid":77,"status":"exit 0""#),
    (.started, #""event":"started""#),
    (.startupFailed(pool: "web", reason: "exit 3"), #""event":"startup_failed","pool":"web","reason":"exit 3""#),
    (
        .probeFailed(web2, answer: "503 Service Unavailable"),
        #""event":"probe_failed","pool":"web","pid":5698,"slot":2,"generation":1,"answer":"503 Service Unavailable""#
    ),
    (
        .appLoadFailed(web2, summary: "ImportError: x", traceback: ["Traceback", "ImportError: x"], sameAsPID: nil),
        #""event":"app_load_failed","pool":"web","pid":5698,"slot":2,"generation":1,"summary":"ImportError: x","traceback":["Traceback","ImportError: x"],"same_as_pid":null"#
    ),
    (
        .appLoadFailed(web2, summary: "ImportError: x", traceback: nil, sameAsPID: 5697),
        #""event":"app_load_failed","pool":"web","pid":5698,"slot":2,"generation":1,"summary":"ImportError: x","traceback":null,"same_as_pid":5697"#
    ),
    (
        .hookFailed(hook: "when_ready", reason: "boom", fatal: true),
        #""event":"hook_failed","hook":"when_ready","reason":"boom","fatal":true"#
    ),
    (.scaled(pool: "web", from: 2, to: 4), #""event":"scaled","pool":"web","from":2,"to":4"#),
    (
        .cpuBudgetChanged(from: 2, to: 1, reason: "quota: /sys/fs/cgroup/cpu.max: 50000 100000 = 0.5 CPUs"),
        #""event":"cpu_budget_changed","reason":"quota: /sys/fs/cgroup/cpu.max: 50000 100000 = 0.5 CPUs","from":2,"to":1"#
    ),
    (.rolloutStarted(pool: "web", from: 1, to: 2), #""event":"rollout_started","pool":"web","from":1,"to":2"#),
    (
        .rolloutFinished(pool: "web", generation: 2, durationSeconds: 1.25),
        #""event":"rollout_finished","pool":"web","generation":2,"duration_s":1.25"#
    ),
    (
        .rolloutFailed(pool: "web", generation: 2, reason: "exit 4"),
        #""event":"rollout_failed","pool":"web","generation":2,"reason":"exit 4""#
    ),
    (.reloadStarted, #""event":"reload_started""#),
    (
        .filesChanged(files: ["main.py", "templates/a.html"]),
        #""event":"files_changed","files":["main.py","templates/a.html"]"#
    ),
    (.reloadFinished(error: nil), #""event":"reload_finished","ok":true"#),
    (.reloadFinished(error: "bad config"), #""event":"reload_finished","ok":false,"error":"bad config""#),
    (.poolAdded(pool: "jobs"), #""event":"pool_added","pool":"jobs""#),
    (.poolRemoved(pool: "jobs"), #""event":"pool_removed","pool":"jobs""#),
    (.shutdownDelay(afterSeconds: 5), #""event":"shutdown_delay","after_s":5"#),
    (.shutdownDelaySkipped(leftSeconds: 2.25), #""event":"shutdown_delay_skipped","left_s":2.25"#),
    (.stopping(.graceful), #""event":"stopping","mode":"graceful""#),
    (.stopping(.quick), #""event":"stopping","mode":"fast""#),
    (.eventsDropped(count: 1873), #""event":"events_dropped","count":1873"#),
]

@Suite("Protocol events")
struct ProtocolEventTests {
    @Test("every event kind is written as documented, and reads back equal")
    func golden() throws {
        let names = Set(goldenEvents.map(\.0.name))
        #expect(names == Set(ControlEvent.Kind.Name.allCases.map(\.rawValue)), "an event kind has no golden line")
        for (kind, fields) in goldenEvents {
            let event = ControlEvent(kind, time: 1_717_171_717.123)
            let line = "{" + fields + #","time":1717171717.123}"#
            #expect(event.line == line)
            #expect(try JSONValueDecoder().decode(ControlEvent.self, line: line) == event)
            let untimed = ControlEvent(kind, time: nil)
            #expect(try JSONValueDecoder().decode(ControlEvent.self, line: untimed.line) == untimed)
        }
    }

    @Test("times and durations are written to the millisecond")
    func milliseconds() {
        let event = ControlEvent(.workerReady(web2, bootSeconds: 0.30449), time: 1.0004)
        #expect(event.line.hasSuffix(#""boot_s":0.304,"time":1}"#))
    }

    @Test("an unknown event, unknown fields and unknown enum values are kept, not refused")
    func unknown() throws {
        let line = #"{"event":"pool_paused","pool":"web","by":"ops","time":12.5}"#
        let event = try JSONValueDecoder().decode(ControlEvent.self, line: line)
        #expect(
            event.kind
                == .unknown(name: "pool_paused", fields: .object([("pool", .string("web")), ("by", .string("ops"))]))
        )
        #expect(event.time == 12.5)
        #expect(event.line == line)
        #expect(event.subject.pool == "web")
        #expect(event.details.map(\.key) == ["by"])

        let extra = #"{"event":"scaled","pool":"web","from":1,"to":2,"cause":"autoscaler","time":3}"#
        #expect(
            try JSONValueDecoder().decode(ControlEvent.self, line: extra).kind == .scaled(pool: "web", from: 1, to: 2)
        )
        let mode = try JSONValueDecoder().decode(ControlEvent.self, line: #"{"event":"stopping","mode":"frozen"}"#)
        #expect(mode.kind == .stopping(.unknown("frozen")))
    }

    @Test(
        "a known event without its fields is an error, not a crash",
        arguments: [
            #"{"event":"worker_ready","pool":"web"}"#, #"{"event":"scaled","pool":"web","from":"1","to":2}"#,
            #"{"event":7}"#, #"{"pool":"web"}"#, #"[]"#, #"{"event":"subscribed","pid":99999999999}"#,
        ]
    )
    func malformed(line: String) {
        #expect(throws: (any Error).self) { try JSONValueDecoder().decode(ControlEvent.self, line: line) }
    }
}

@Suite("Protocol documentation")
struct ProtocolDocumentationTests {
    /// docs/PROTOCOL.md, read from the source tree.
    private var protocolDocument: String {
        get throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent()
            return try String(contentsOf: root.appendingPathComponent("docs/PROTOCOL.md"), encoding: .utf8)
        }
    }

    @Test("docs/PROTOCOL.md names every event, event field, error code and state this version writes")
    func documented() throws {
        let text = try protocolDocument
        let names =
            ControlEvent.Kind.Name.allCases.map(\.rawValue) + ControlEvent.Field.allCases.map(\.stringValue)
            + ErrorCode.known.map(\.rawValue) + PoolStatus.State.known.map(\.rawValue)
            + WorkerStatus.State.known.map(\.rawValue) + StopMode.known.map(\.rawValue)
        for name in names {
            #expect(text.contains("`\(name)`") || text.contains("\"\(name)\""), "\(name) is not in docs/PROTOCOL.md")
        }
    }
}
