//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// With `--log-format json`, makes every line a worker writes to stderr one JSON object: a line
/// that already is one (the launcher's own records) passes as it is; any other (a `print` to
/// stderr, a traceback line, a C library's message) becomes
/// `{"time", "level", "logger": "worker", "pool", "slot", "pid", "stream", "message"}`.
struct WorkerLineWrapper: Sendable {
    let pool: String
    let slot: Int
    let pid: Int32

    /// The line to write (with its newline) for `text` (without it).
    func wrap(_ text: String) -> String {
        if text.first == "{" && text.last == "}" { return text + "\n" }
        let record: JSONValue = .object([
            ("time", .string(DaemonLogHandler.timestamp(utc: true))),
            ("level", .string("info")),
            ("logger", .string("worker")),
            ("pool", .string(pool)),
            ("slot", .int(slot)),
            ("pid", .int(Int(pid))),
            ("stream", .string("stderr")),
            ("message", .string(text)),
        ])
        return record.compact + "\n"
    }
}
