//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Glibc
import Logging

/// Writes droverd's log lines to its log sink, in Gunicorn's text format
/// (`[2026-11-25 10:07:28 +0000] [1234] [INFO] message`) or as one JSON object per line.
struct DaemonLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    private let pid = getpid()
    private let format: LogFormat
    private let sink: LogSink
    /// Whether lines go to the journal: then each starts with its `<N>` syslog priority.
    private let journal: Bool

    init(level: Logger.Level, format: LogFormat, sink: LogSink, journal: Bool) {
        logLevel = level
        self.format = format
        self.sink = sink
        self.journal = journal
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let prefix = journal ? "<\(Self.priority(event.level))>" : ""
        switch format {
        case .text:
            var line = "[\(Self.timestamp(utc: false))] [\(pid)] [\(Self.label(event.level))] \(event.message)"
            if let extra = event.metadata, !extra.isEmpty {
                line += " " + extra.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            }
            sink.write(prefix + line + "\n")
        case .json:
            var members: [(String, JSONValue)] = [
                ("time", .string(Self.timestamp(utc: true))),
                ("level", .string(Self.label(event.level).lowercased())),
                ("logger", .string("droverd")),
                ("pid", .int(Int(pid))),
                ("message", .string("\(event.message)")),
            ]
            for (key, value) in (event.metadata ?? [:]).sorted(by: { $0.key < $1.key }) {
                members.append((key, .string("\(value)")))
            }
            sink.write(prefix + JSONValue.object(members).compact + "\n")
        }
    }

    /// syslog's priorities, as the journal reads them from a `<N>` prefix.
    private static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .critical: 2
        case .error: 3
        case .warning: 4
        case .notice: 5
        case .info: 6
        case .debug, .trace: 7
        }
    }

    /// Whether stderr is connected to the journal (`JOURNAL_STREAM` names its device and inode).
    static var standardErrorIsJournal: Bool {
        guard let value = getenv("JOURNAL_STREAM") else { return false }
        let parts = String(cString: value).split(separator: ":")
        var info = stat()
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]), fstat(2, &info) == 0 else {
            return false
        }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }

    private static func label(_ level: Logger.Level) -> String {
        switch level {
        case .trace: "TRACE"
        case .debug: "DEBUG"
        case .info: "INFO"
        case .notice: "NOTICE"
        case .warning: "WARNING"
        case .error: "ERROR"
        case .critical: "CRITICAL"
        }
    }

    /// `2026-11-25 10:07:28 +0000` (local time), or `2026-11-25T10:07:28.123Z` (UTC, for JSON).
    static func timestamp(utc: Bool) -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        if utc { gmtime_r(&seconds, &parts) } else { localtime_r(&seconds, &parts) }
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, utc ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d %H:%M:%S %z", &parts)
        let text = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard utc else { return text }
        let millis = now.tv_nsec / 1_000_000
        return text + "." + (millis < 10 ? "00" : millis < 100 ? "0" : "") + String(millis) + "Z"
    }
}
