//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The assignments of one `sd_notify` datagram that matter to the supervisor.
public struct NotifyMessage: Hashable, Sendable {
    /// `READY=1`.
    public var ready = false
    /// `STOPPING=1`.
    public var stopping = false
    /// `WATCHDOG=1`.
    public var watchdog = false
    /// `WATCHDOG=trigger`.
    public var watchdogTrigger = false
    /// `STATUS=…`.
    public var status: String?
    /// `ERRNO=…`.
    public var errorNumber: Int32?
    /// `EXTEND_TIMEOUT_USEC=…`.
    public var extendTimeout: Duration?
    /// `DROVER_LOAD_ERROR=…` with `DROVER_TRACEBACK=…`: the app cannot be loaded.
    public var loadFailure: LoadFailure?
    /// `DROVER_RECYCLE=1`: the worker reached its request limit and asks to be replaced, surge
    /// first; it serves on until droverd stops it.
    public var recycle = false

    public init() {}

    /// Parses newline-separated `KEY=VALUE` assignments; unknown keys are ignored, as systemd does.
    public init(parsing text: String) {
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals]
            let value = line[line.index(after: equals)...]
            switch key {
            case "READY": ready = value == "1"
            case "STOPPING": stopping = value == "1"
            case "WATCHDOG":
                if value == "1" { watchdog = true } else if value == "trigger" { watchdogTrigger = true }
            case "STATUS": status = String(value)
            case "ERRNO": errorNumber = Int32(value)
            case "EXTEND_TIMEOUT_USEC":
                if let micros = UInt64(value), micros <= UInt64(Int64.max / 1000) {
                    extendTimeout = .microseconds(Int64(micros))
                }
            case "DROVER_RECYCLE": recycle = value == "1"
            case "DROVER_LOAD_ERROR":
                loadFailure = LoadFailure(summary: String(value), traceback: loadFailure?.traceback ?? [])
            case "DROVER_TRACEBACK":
                loadFailure = LoadFailure(
                    summary: loadFailure?.summary ?? "",
                    traceback: LoadFailure.lines(unescaping: value)
                )
            default: continue
            }
        }
        if let failure = loadFailure, failure.summary.isEmpty {
            loadFailure?.summary = failure.traceback.last ?? "the app could not be loaded"
        }
    }
}
