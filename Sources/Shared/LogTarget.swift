//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Where a log goes: `-` (the standard stream), a file, or nowhere (an empty value).
public enum LogTarget: Hashable, Sendable, CustomStringConvertible {
    /// stdout for the access log, stderr for the error log.
    case standard
    case file(String)
    /// Access log: none. Error log: warnings and worse only, on stderr (as Gunicorn does).
    case disabled

    /// Parses `-`, a path, or the empty string.
    public init(_ text: String) {
        switch text {
        case "-": self = .standard
        case "": self = .disabled
        default: self = .file(text)
        }
    }

    /// `-`, the path, or the empty string: what a user writes.
    public var description: String {
        switch self {
        case .standard: "-"
        case .file(let path): path
        case .disabled: ""
        }
    }
}

/// The shape of log lines.
public enum LogFormat: String, Hashable, Sendable {
    /// Gunicorn's: `[2026-11-25 10:07:28 +0000] [1234] [INFO] message`.
    case text
    /// One JSON object per line.
    case json
}
