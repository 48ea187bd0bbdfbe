//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Checks one configuration value and names its source in the error.
public enum ValueParser {
    /// A whole number within `range`.
    public static func integer(_ text: String, name: String, range: ClosedRange<Int>) throws(ConfigurationError) -> Int
    {
        guard let value = Int(text.trimmingWhitespace()) else {
            throw ConfigurationError("\(name): '\(text)' is not a whole number")
        }
        guard range.contains(value) else {
            throw ConfigurationError("\(name): \(value) is out of range (\(range.lowerBound) to \(range.upperBound))")
        }
        return value
    }

    /// A non-negative number of seconds, at most a day (`2`, `0.5`).
    public static func seconds(
        _ text: String,
        name: String,
        allowZero: Bool = true
    ) throws(ConfigurationError) -> Duration {
        let trimmed = text.trimmingWhitespace()
        guard let value = Double(trimmed), value.isFinite, !trimmed.lowercased().contains("n") else {
            throw ConfigurationError("\(name): '\(text)' is not a number of seconds")
        }
        guard value >= 0, value <= 86_400, allowZero || value > 0 else {
            let lower = allowZero ? "0" : "more than 0"
            throw ConfigurationError("\(name): \(trimmed) is out of range (\(lower) to 86400 seconds)")
        }
        return .milliseconds(Int64((value * 1000).rounded()))
    }

    /// `module:attribute`, both dotted Python names.
    public static func appModule(_ text: String) throws(ConfigurationError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        func isDottedName(_ part: Substring) -> Bool {
            !part.isEmpty
                && part.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { name in
                    guard let first = name.first, first == "_" || first.isLetter else { return false }
                    return name.allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
                }
        }
        guard parts.count == 2, isDottedName(parts[0]), isDottedName(parts[1]) else {
            throw ConfigurationError("APP_MODULE: '\(text)' is not MODULE:VARIABLE (e.g. main:app)")
        }
    }

    /// `{fd}`, `{fd:N}` and `{fd:NAME}` in a command must name one of its sockets.
    public static func placeholders(in arguments: [String], binds: [BindAddress]) throws(ConfigurationError) {
        for argument in arguments {
            for placeholder in CommandTemplate.placeholders(in: argument) {
                guard CommandTemplate.socketIndex(placeholder, binds: binds) != nil else {
                    throw ConfigurationError(
                        "command argument '\(argument)': {\(placeholder)} names no socket (\(binds.count) bound)"
                    )
                }
            }
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
