//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// Turns one raw value into a typed one; errors start with the culprit
/// (`--workers: …`, `WEB_CONCURRENCY: …`, `drover.toml:3: workers: …`).
enum ValueParser {
    static func integer(_ entry: Entry, _ key: String, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        let culprit = entry.source.culprit(key)
        let value: Int
        switch entry.value {
        case .integer(let number): value = number
        case .text(let text):
            guard let number = Int(text.trimmingWhitespace()) else {
                throw ConfigurationError("\(culprit): '\(text)' is not a whole number")
            }
            value = number
        default: throw ConfigurationError("\(culprit): expected a whole number")
        }
        guard range.contains(value) else {
            throw ConfigurationError(
                "\(culprit): \(value) is out of range (\(range.lowerBound) to \(range.upperBound))"
            )
        }
        return value
    }

    /// A non-negative integer as Gunicorn reads `umask`: `18`, `0o22`, `0x12`, or `022` (octal).
    static func octal(_ entry: Entry, _ key: String) throws(ConfigurationError) -> Int {
        guard case .text(let raw) = entry.value else { return try integer(entry, key, range: 0...0o7777) }
        let text = raw.trimmingWhitespace().lowercased()
        let value: Int?
        if text.hasPrefix("0o") {
            value = Int(text.dropFirst(2), radix: 8)
        } else if text.hasPrefix("0x") {
            value = Int(text.dropFirst(2), radix: 16)
        } else if text.hasPrefix("0b") {
            value = Int(text.dropFirst(2), radix: 2)
        } else if text.count > 1, text.hasPrefix("0") {
            value = Int(text.dropFirst(), radix: 8)
        } else {
            value = Int(text)
        }
        guard let value, (0...0o7777).contains(value) else {
            throw ConfigurationError("\(entry.source.culprit(key)): '\(raw)' is not a mode (e.g. 0o22 or 18)")
        }
        return value
    }

    static func number(_ entry: Entry, _ key: String) throws(ConfigurationError) -> Double {
        let culprit = entry.source.culprit(key)
        switch entry.value {
        case .integer(let number): return Double(number)
        case .number(let number) where number.isFinite: return number
        case .text(let text):
            let trimmed = text.trimmingWhitespace()
            guard let number = Double(trimmed), number.isFinite, !trimmed.lowercased().contains("n") else {
                throw ConfigurationError("\(culprit): '\(text)' is not a number")
            }
            return number
        default: throw ConfigurationError("\(culprit): expected a number")
        }
    }

    /// A non-negative number of seconds, at most a day (`2`, `0.5`), or at most `limit`.
    static func seconds(
        _ entry: Entry,
        _ key: String,
        allowZero: Bool = true,
        limit: Double = 86_400
    ) throws(ConfigurationError) -> Duration {
        let culprit = entry.source.culprit(key)
        let value: Double
        do {
            value = try number(entry, key)
        } catch {
            if case .text(let text) = entry.value {
                throw ConfigurationError("\(culprit): '\(text)' is not a number of seconds")
            }
            throw ConfigurationError("\(culprit): expected a number of seconds")
        }
        guard value >= 0, value <= limit, allowZero || value > 0 else {
            let lower = allowZero ? "0" : "more than 0"
            throw ConfigurationError(
                "\(culprit): \(format(value)) is out of range (\(lower) to \(format(limit)) seconds)"
            )
        }
        guard value == 0 || value >= 0.001 else {
            // It would round to 0, which means "off" or "at once": never what was asked.
            throw ConfigurationError("\(culprit): \(format(value)) is less than a millisecond")
        }
        return .milliseconds(Int64((value * 1000).rounded()))
    }

    /// A duration: a number of seconds (`3600`, `0.5`) or a number with a unit, `ms`, `s`, `m`, `h`
    /// or `d` (`6h`, `90m`), from 0 to `limit` seconds. Checked as ``seconds(_:_:allowZero:)`` is.
    static func duration(_ entry: Entry, _ key: String, limit: Double) throws(ConfigurationError) -> Duration {
        let culprit = entry.source.culprit(key)
        guard case .text(let text) = entry.value else {
            return try seconds(entry, key, limit: limit)
        }
        let trimmed = text.trimmingWhitespace().lowercased()
        let units: [(suffix: String, scale: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        let unit = units.first { trimmed.hasSuffix($0.suffix) } ?? ("", 1)
        let number = String(trimmed.dropLast(unit.suffix.count)).trimmingWhitespace()
        guard let value = Double(number), value.isFinite, !number.contains("n"), !number.hasPrefix("+") else {
            throw ConfigurationError("\(culprit): '\(text)' is not a duration (e.g. 6h, 30m, 3600)")
        }
        return try seconds(
            Entry(value: .number(value * unit.scale), source: entry.source),
            key,
            limit: limit
        )
    }

    /// A size in bytes: a number of bytes, or a number with `K`, `M`, `G` or `T` (powers of 1024, as
    /// systemd's `MemoryMax=`; `KiB`, `MB` and the like mean the same), from 1 MiB to 1 PiB, or 0.
    static func size(_ entry: Entry, _ key: String) throws(ConfigurationError) -> UInt64 {
        let culprit = entry.source.culprit(key)
        let text: String
        switch entry.value {
        case .integer(let value): text = String(value)
        case .number(let value): text = String(value)
        case .text(let value): text = value
        default: throw ConfigurationError("\(culprit): expected a size, e.g. 512MiB or 2G")
        }
        var number = text.trimmingWhitespace().uppercased()
        for suffix in ["IB", "B"] where number.hasSuffix(suffix) && number.count > suffix.count {
            number = String(number.dropLast(suffix.count))
            break
        }
        let scales: [Character: Double] = ["K": 1024, "M": 1_048_576, "G": 1_073_741_824, "T": 1_099_511_627_776]
        var scale = 1.0
        if let last = number.last, let unit = scales[last] {
            scale = unit
            number = String(number.dropLast()).trimmingWhitespace()
        }
        guard let value = Double(number), value.isFinite, value >= 0, !number.contains("N"), !number.hasPrefix("+")
        else {
            throw ConfigurationError("\(culprit): '\(text)' is not a size (e.g. 512MiB, 2G, 1073741824)")
        }
        let bytes = value * scale
        guard bytes == 0 || (bytes >= Double(1 << 20) && bytes <= Double(1 << 50)) else {
            throw ConfigurationError("\(culprit): '\(text)' is out of range (1MiB to 1PiB, or 0 for none)")
        }
        return UInt64(bytes)
    }

    static func text(_ entry: Entry, _ key: String) throws(ConfigurationError) -> String {
        guard case .text(let text) = entry.value else {
            throw ConfigurationError("\(entry.source.culprit(key)): expected a string")
        }
        return text
    }

    /// An HTTP path for `ready_probe`: starts with `/`, printable ASCII without spaces; empty means none.
    static func probePath(_ entry: Entry, _ key: String) throws(ConfigurationError) -> String? {
        let path = try text(entry, key)
        if path.isEmpty { return nil }
        guard path.hasPrefix("/"), path.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw ConfigurationError(
                "\(entry.source.culprit(key)): '\(path)' is not an HTTP path (it starts with /, without spaces)"
            )
        }
        return path
    }

    static func list(_ entry: Entry, _ key: String) throws(ConfigurationError) -> [String] {
        switch entry.value {
        case .list(let items): return items
        case .text(let text): return [text]
        default: throw ConfigurationError("\(entry.source.culprit(key)): expected a list of strings")
        }
    }

    static func boolean(_ entry: Entry, _ key: String) throws(ConfigurationError) -> Bool {
        switch entry.value {
        case .boolean(let value): return value
        case .text(let text) where ["true", "1", "yes", "on"].contains(text.lowercased()): return true
        case .text(let text) where ["false", "0", "no", "off"].contains(text.lowercased()): return false
        default: throw ConfigurationError("\(entry.source.culprit(key)): expected true or false")
        }
    }

    /// `module:attribute` or `module:factory()`, both dotted Python names.
    static func appModule(_ text: String, culprit: String) throws(ConfigurationError) -> (app: String, factory: Bool) {
        var app = text
        var factory = false
        if app.hasSuffix("()") {
            app.removeLast(2)
            factory = true
        }
        let parts = app.split(separator: ":", omittingEmptySubsequences: false)
        func isDottedName(_ part: Substring) -> Bool {
            !part.isEmpty
                && part.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { name in
                    guard let first = name.first, first == "_" || first.isLetter else { return false }
                    return name.allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
                }
        }
        // The module is anything importlib imports from a file name, as Gunicorn's (`07_demo`,
        // `my-app`); the variable is a Python attribute path.
        func isModule(_ part: Substring) -> Bool {
            !part.isEmpty
                && part.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { name in
                    !name.isEmpty && name.allSatisfy { $0 == "_" || $0 == "-" || $0.isLetter || $0.isNumber }
                }
        }
        guard parts.count == 2, isModule(parts[0]), isDottedName(parts[1]) else {
            throw ConfigurationError("\(culprit): '\(text)' is not MODULE:VARIABLE (e.g. main:app)")
        }
        return (app, factory)
    }

    /// `{fd}`, `{fd:N}` and `{fd:NAME}` in a command must name one of its sockets.
    static func placeholders(
        in arguments: [String],
        binds: [BindAddress],
        probe: Bool,
        culprit: String
    ) throws(ConfigurationError) {
        for argument in arguments {
            for placeholder in CommandTemplate.placeholders(in: argument) {
                guard CommandTemplate.socketIndex(placeholder, binds: binds, probe: probe) != nil else {
                    throw ConfigurationError(
                        "\(culprit): '\(argument)': {\(placeholder)} names no socket (\(binds.count) bound)"
                    )
                }
            }
        }
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
