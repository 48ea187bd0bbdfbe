//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The lines droverd writes back: one JSON object each.
public enum ControlReply {
    /// `{"ok":true,"result":…}`: the final answer to a request.
    public static func success(_ result: JSONValue) -> String {
        JSONValue.object([("ok", .bool(true)), ("result", result)]).compact
    }

    /// `{"ok":false,"error":{"code":…,"message":…}}`.
    public static func failure(_ error: ControlError, details: [(String, JSONValue)] = []) -> String {
        var body: [(String, JSONValue)] = [("code", .string(error.code)), ("message", .string(error.message))]
        body += details
        return JSONValue.object([("ok", .bool(false)), ("error", .object(body))]).compact
    }
}

extension StatusSnapshot {
    /// `{"pools": [{"name", "state", "desired", "running", "ready", "generation", "serving", "workers": [...]}]}`.
    public var json: JSONValue {
        .object([("pools", .array(pools.map(\.json)))])
    }
}

extension PoolStatus {
    public var json: JSONValue {
        .object([
            ("name", .string(name)),
            ("state", .string(state)),
            ("desired", .int(desired)),
            ("running", .int(running)),
            ("ready", .int(ready)),
            ("generation", .int(generation)),
            ("rolling_out_to", rollingOutTo.map(JSONValue.int) ?? .null),
            ("serving", .bool(serving)),
            ("workers", .array(workers.map(\.json))),
        ])
    }
}

extension WorkerStatus {
    public var json: JSONValue {
        .object([
            ("pid", pid.map { .int(Int($0)) } ?? .null),
            ("slot", .int(slot)),
            ("generation", .int(generation)),
            ("state", .string(state)),
            ("age_s", .double((ageSeconds * 1000).rounded() / 1000)),
            ("restarts", .int(restarts)),
            ("last_exit", lastExit.map(JSONValue.string) ?? .null),
            ("rss_bytes", rssBytes.map { .int(Int($0)) } ?? .null),
            ("stderr_tail", .array(stderrTail.map(JSONValue.string))),
            ("retry_in_s", retryInSeconds.map { .double(($0 * 1000).rounded() / 1000) } ?? .null),
            ("status", statusText.map(JSONValue.string) ?? .null),
        ])
    }
}
