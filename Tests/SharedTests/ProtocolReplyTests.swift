//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Testing

/// Writes `value` as the reply to a request and checks the line against the documented one, then
/// reads it back.
private func check<Value: Codable & Sendable & Equatable>(_ value: Value, _ result: String) throws {
    let line = ControlReply.success(value).line
    #expect(line == #"{"ok":true,"result":"# + result + "}")
    let decoded = try JSONValueDecoder().decode(ControlReply<Value>.self, line: line)
    #expect(decoded == .success(value))
}

private let worker = WorkerStatus(
    pid: 5698,
    slot: 0,
    generation: 2,
    state: .ready,
    ageSeconds: 12.5,
    restarts: 1,
    lastExit: "exit 3",
    rssBytes: 52_428_800,
    stderrTail: ["Traceback", "ValueError"],
    retryInSeconds: nil,
    statusText: "serving"
)
private let backoff = WorkerStatus(
    pid: nil,
    slot: 1,
    generation: 2,
    state: .backoff,
    ageSeconds: 0,
    restarts: 3,
    lastExit: nil,
    retryInSeconds: 0.4
)

@Suite("Protocol replies")
struct ProtocolReplyTests {
    @Test("every reply is written with the documented keys, and reads back equal")
    func golden() throws {
        try check(
            VersionInfo(version: "0.1.0", pid: 42, name: "drover"),
            #"{"version":"0.1.0","pid":42,"name":"drover","protocol":1}"#
        )
        try check(
            VerbList(verbs: [VerbUsage("status", "[POOL]", "pools")]),
            #"{"verbs":[{"verb":"status","arguments":"[POOL]","meaning":"pools"}]}"#
        )
        var pool = PoolStatus(
            name: "web",
            state: .rolling,
            desired: 2,
            running: 3,
            ready: 1,
            generation: 2,
            rollingOutTo: 3,
            serving: true,
            workers: [worker, backoff]
        )
        pool.templates = [TemplateStatus(pid: 5690, generation: 3, state: .ready, preload: true)]
        try check(
            StatusSnapshot(pools: [pool]),
            #"{"pools":[{"name":"web","state":"rolling","desired":2,"running":3,"ready":1,"generation":2,"rolling_out_to":3,"serving":true,"workers":["#
                + #"{"pid":5698,"slot":0,"generation":2,"state":"ready","age_s":12.5,"restarts":1,"last_exit":"exit 3","rss_bytes":52428800,"stderr_tail":["Traceback","ValueError"],"retry_in_s":null,"status":"serving"},"#
                + #"{"pid":null,"slot":1,"generation":2,"state":"backoff","age_s":0,"restarts":3,"last_exit":null,"rss_bytes":null,"stderr_tail":[],"retry_in_s":0.4,"status":null}],"#
                + #""templates":[{"pid":5690,"generation":3,"state":"ready","preload":true}]}]}"#
        )
        let lameDuck = StatusSnapshot(pools: [], stoppingInSeconds: 2.4)
        try check(lameDuck, #"{"pools":[],"stopping_in_s":2.4}"#)
        #expect(
            lameDuck.notReadyReason == "droverd is stopping: shutdown delay, its workers serve until they stop in 2.4s"
        )
        try check(ScaleResult(pool: "web", workers: 3, ready: 3), #"{"pool":"web","workers":3,"ready":3}"#)
        try check(
            RolloutResult(pools: [
                RolloutOutcome(pool: "web", generation: 2, failure: nil, duration: .milliseconds(1250)),
                RolloutOutcome(pool: "jobs", generation: 1, failure: "exit 4", duration: .milliseconds(304)),
            ]),
            #"{"pools":[{"pool":"web","generation":2,"ok":true,"error":null,"duration_s":1.25},{"pool":"jobs","generation":1,"ok":false,"error":"exit 4","duration_s":0.304}]}"#
        )
        try check(StopResult(), #"{"stopped":true}"#)
        try check(ReadinessAnswer(reason: nil), #"{"ready":true}"#)
        try check(
            ReadinessAnswer(reason: "pool web has 1 of 2 workers ready"),
            #"{"ready":false,"reason":"pool web has 1 of 2 workers ready"}"#
        )
        try check(ReopenResult(), #"{"reopened":true}"#)
        try check(
            ConfigReport(
                config: .object([("name", .string("drover")), ("pools", .array([])), ("file", .null)]),
                sources: .object([("workers", .string("env:WEB_CONCURRENCY"))])
            ),
            #"{"config":{"name":"drover","pools":[],"file":null},"sources":{"workers":"env:WEB_CONCURRENCY"}}"#
        )
    }

    @Test("errors: every code as documented; a failed rollout adds its pools")
    func errors() throws {
        #expect(
            ErrorCode.known.map(\.rawValue) == [
                "empty_request", "unknown_verb", "invalid_argument", "invalid_utf8", "line_too_long",
                "too_many_connections", "permission_denied", "no_such_pool", "stopping", "rollout_failed",
                "config_invalid", "worker_failed", "superseded",
            ]
        )
        let failed = ControlError(
            .rolloutFailed,
            "web: exit 4",
            pools: [RolloutOutcome(pool: "web", generation: 1, failure: "exit 4", duration: .milliseconds(20))]
        )
        let line = failed.replyLine
        #expect(
            line
                == #"{"ok":false,"error":{"code":"rollout_failed","message":"web: exit 4","pools":[{"pool":"web","generation":1,"ok":false,"error":"exit 4","duration_s":0.02}]}}"#
        )
        #expect(try JSONValueDecoder().decode(ControlReply<RolloutResult>.self, line: line) == .failure(failed))
        for code in ErrorCode.known {
            let error = ControlError(code, "m")
            #expect(
                try JSONValueDecoder().decode(ControlReply<StopResult>.self, line: error.replyLine) == .failure(error)
            )
        }
    }

    @Test("what a newer droverd may send is read: unknown codes, states and fields; a missing protocol is 1")
    func compatibility() throws {
        let code = try JSONValueDecoder().decode(
            ControlReply<StopResult>.self,
            line: #"{"ok":false,"error":{"code":"rate_limited","message":"later","retry":3}}"#
        )
        #expect(code == .failure(ControlError(.unknown("rate_limited"), "later")))
        let status = try JSONValueDecoder().decode(
            StatusSnapshot.self,
            line:
                #"{"pools":[{"name":"web","state":"paused","desired":1,"running":1,"ready":1,"generation":1,"rolling_out_to":null,"serving":true,"cpu":0.5,"workers":[{"pid":1,"slot":0,"generation":1,"state":"draining","age_s":1,"restarts":0,"last_exit":null,"rss_bytes":null,"stderr_tail":[],"retry_in_s":null,"status":null}]}]}"#
        )
        #expect(status.pools[0].state == .unknown("paused"))
        #expect(!status.pools[0].state.isKnown)
        #expect(status.pools[0].workers[0].state == .unknown("draining"))
        #expect(PoolStatus.State("running") == .running)
        let old = try JSONValueDecoder().decode(VersionInfo.self, line: #"{"version":"0.1.0","pid":7,"name":"d"}"#)
        #expect(old.protocolVersion == 1)
    }

    @Test("a reply line is told from a progress line by its ok")
    func replyLines() throws {
        let progress = try JSONValueDecoder().decode(
            ReplyLine<ScaleResult>.self,
            line: ControlEvent(.scaled(pool: "web", from: 1, to: 2), time: 5).line
        )
        #expect(progress == .progress(ControlEvent(.scaled(pool: "web", from: 1, to: 2), time: 5)))
        let reply = try JSONValueDecoder().decode(
            ReplyLine<ScaleResult>.self,
            line: ControlReply.success(ScaleResult(pool: "web", workers: 2, ready: 2)).line
        )
        #expect(reply == .reply(.success(ScaleResult(pool: "web", workers: 2, ready: 2))))
        #expect(ReplyLine<ScaleResult>.isReply(try JSONValue(parsing: #"{"ok":true}"#)))
        #expect(!ReplyLine<ScaleResult>.isReply(try JSONValue(parsing: #"{"event":"started"}"#)))
    }

    @Test("scale amounts and stop modes: one type each, spelled as on the wire")
    func vocabulary() {
        #expect(ScaleAmount("+2") == .by(2))
        #expect(ScaleAmount("-1") == .by(-1))
        #expect(ScaleAmount("3") == .to(3))
        #expect(ScaleAmount("1.5") == nil)
        #expect(ScaleAmount.by(-1).description == "-1")
        #expect(StopMode.quick.rawValue == "fast")
        #expect(StopMode("fast") == .quick)
        #expect(ControlRequest.stop(.quick).line == "stop fast")
    }
}
