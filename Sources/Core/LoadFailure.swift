//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A worker's report that its app cannot be loaded (an import error, a missing attribute, a
/// syntax error): deterministic, so trying again will not help.
///
/// Sent with `sd_notify` as `DROVER_LOAD_ERROR=<summary>` and `DROVER_TRACEBACK=<traceback>`, the
/// traceback's newlines escaped as `\n` and backslashes as `\\`.
public struct LoadFailure: Hashable, Sendable {
    /// The exception's last line, e.g. `ModuleNotFoundError: No module named 'mian'`.
    public var summary: String
    /// The traceback's lines, ending with the exception (may be empty).
    public var traceback: [String]

    public init(summary: String, traceback: [String]) {
        self.summary = summary
        self.traceback = traceback
    }

    /// Undoes the escaping of a `DROVER_TRACEBACK=` value into lines.
    static func lines(unescaping value: Substring) -> [String] {
        var lines: [String] = []
        var current = ""
        var escaped = false
        for character in value {
            if escaped {
                switch character {
                case "n":
                    lines.append(current)
                    current = ""
                default: current.append(character)
                }
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}
