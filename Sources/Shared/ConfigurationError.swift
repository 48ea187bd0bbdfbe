//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A configuration problem, as one line that names the culprit.
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The one-line message, e.g. `--workers: 'abc' is not a whole number`.
    public var message: String

    /// Wraps a message; control characters in it (a newline in a quoted key or value) are
    /// written as escapes, so the message stays one line.
    public init(_ message: String) {
        self.message = Self.oneLine(message)
    }

    static func oneLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
        var line = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": line += "\\n"
            case "\r": line += "\\r"
            case "\t": line += "\\t"
            case _ where scalar.properties.generalCategory == .control:
                line += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: line.unicodeScalars.append(scalar)
            }
        }
        return line
    }

    public var description: String { message }
}
