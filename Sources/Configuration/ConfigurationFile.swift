//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CTOMLGuard
import DroverShared
import TOMLKit

/// A parsed `drover.toml`: top-level settings (defaults for every pool) and `[pools.NAME]` tables.
///
/// Unknown keys and wrong types are errors naming the file, the line and the key.
public struct ConfigurationFile: Sendable {
    /// The path as given or found (used in messages).
    public let path: String
    let settings: Layer
    let pools: [PoolTable]

    /// One `[pools.NAME]` table.
    struct PoolTable: Sendable {
        let name: String
        let line: Int?
        let settings: Layer
    }

    /// Parses the text of the file at `path`.
    public init(path: String, text: String) throws(ConfigurationError) {
        self.path = path
        if let line = Self.lineWithNUL(text) {
            throw ConfigurationError(
                "\(path):\(line): a NUL character, which no argument, variable or path of a process can hold"
            )
        }
        if let (line, seen) = Self.headerWithoutKey(text) {
            throw ConfigurationError("\(path):\(line): invalid TOML: a table header needs a key, saw '\(seen)'")
        }
        if let assertion = text.withCString({ drover_toml_assertion($0) }) {
            throw ConfigurationError(
                "\(path): invalid TOML: the parser gave up at an internal check (\(String(cString: assertion)))"
            )
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError("\(path):\(error.source.begin.line): invalid TOML: \(error.description)")
        } catch {
            throw ConfigurationError("\(path): invalid TOML: \(error)")
        }
        let locator = TOMLKeyLocator(text)
        var settings: Layer = [:]
        var pools: [PoolTable] = []
        for key in table.keys {
            let line = locator.line(of: [key])
            if key == "pools" {
                guard let poolsTable = table[key]?.table else {
                    throw ConfigurationError("\(Self.place(path, line)): pools: expected tables [pools.NAME]")
                }
                for name in poolsTable.keys {
                    pools.append(try Self.pool(name, poolsTable[name]!, path: path, locator: locator))
                }
                continue
            }
            guard let setting = SettingRegistry.setting(key: key), Setting.fileKeys.contains(setting) else {
                throw Self.unknownKey(key, path: path, line: line, known: Setting.fileKeys.map(\.rawValue) + ["pools"])
            }
            settings[setting] = try Self.entry(table[key]!, setting: setting, path: path, line: line)
        }
        self.settings = settings
        self.pools = pools.sorted { ($0.line ?? .max, $0.name) < ($1.line ?? .max, $1.name) }
    }

    /// `path:line`, or `path` when the line is not known.
    static func place(_ path: String, _ line: Int?) -> String {
        line.map { "\(path):\($0)" } ?? path
    }

    /// The first line (from 1) holding a NUL character, raw or escaped (`\u0000`, `\U00000000`).
    /// TOMLKit would cut strings short at it, or fail on it in a key.
    static func lineWithNUL(_ text: String) -> Int? {
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.contains("\0") || line.contains("\\u0000") || line.contains("\\U00000000") {
            return index + 1
        }
        return nil
    }

    /// The first line (from 1) whose table header (`[` or `[[`) is not followed by a key, and what
    /// follows instead. toml++ (inside TOMLKit) assumes a key there: in a release build a line
    /// such as `[[[x` would be undefined behaviour, so it never reaches the parser.
    static func headerWithoutKey(_ text: String) -> (line: Int, seen: String)? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            var rest = line.unicodeScalars.drop { $0 == " " || $0 == "\t" }
            guard rest.first == "[" else { continue }
            rest = rest.dropFirst()
            if rest.first == "[" { rest = rest.dropFirst() }
            rest = rest.drop { $0 == " " || $0 == "\t" }
            // At the very end of the text, toml++ reports the missing key itself.
            guard let next = rest.first ?? (index + 1 < lines.count ? "\n" : nil) else { continue }
            let isKeyStart =
                ("a"..."z").contains(next) || ("A"..."Z").contains(next) || ("0"..."9").contains(next)
                || "_-\"']".unicodeScalars.contains(next)
            if !isKeyStart { return (index + 1, next.escaped(asASCII: true)) }
        }
        return nil
    }

    private static func pool(
        _ name: String,
        _ value: any TOMLValueConvertible,
        path: String,
        locator: TOMLKeyLocator
    ) throws(ConfigurationError) -> PoolTable {
        let line = locator.line(of: ["pools", name])
        guard let table = value.table else {
            throw ConfigurationError("\(Self.place(path, line)): pools.\(name): expected a table [pools.\(name)]")
        }
        guard BindAddress.isValidName(Substring(name)) else {
            throw ConfigurationError(
                "\(Self.place(path, line)): pools.\(name): a pool name may use letters, digits, '_', '-', '.'"
            )
        }
        var settings: Layer = [:]
        for key in table.keys {
            let keyLine = locator.line(of: ["pools", name, key])
            let setting = key == "kind" ? Setting.workerClass : SettingRegistry.setting(key: key)
            guard let setting, setting == .workerClass || Setting.poolKeys.contains(setting) else {
                throw unknownKey(
                    "pools.\(name).\(key)",
                    path: path,
                    line: keyLine,
                    known: Setting.poolKeys.map(\.rawValue) + ["kind"],
                    key: key
                )
            }
            settings[setting] = try entry(
                table[key]!,
                setting: setting,
                path: path,
                line: keyLine,
                prefix: "pools.\(name)."
            )
        }
        return PoolTable(name: name, line: line, settings: settings)
    }

    private static func entry(
        _ value: any TOMLValueConvertible,
        setting: Setting,
        path: String,
        line: Int?,
        prefix: String = ""
    ) throws(ConfigurationError) -> Entry {
        let source = ValueSource.file(path: path, line: line)
        func wrong(_ expected: String) -> ConfigurationError {
            let type = value.type.description
            let article = "aeiou".contains(type.first ?? "x") ? "an" : "a"
            return ConfigurationError(
                "\(source.culprit(prefix + setting.rawValue)): expected \(expected), got \(article) \(type)"
            )
        }
        let raw: RawValue
        switch value.type {
        case .string: raw = .text(value.string!)
        case .int: raw = .integer(value.int!)
        case .double: raw = .number(value.double!)
        case .bool: raw = .boolean(value.bool!)
        case .array:
            guard takesList(setting) else { throw wrong(expectation(setting)) }
            var strings: [String] = []
            for element in value.array! {
                guard let string = element.string else { throw wrong("a list of strings") }
                strings.append(string)
            }
            raw = .list(strings)
        case .table:
            guard setting == .env else { throw wrong(expectation(setting)) }
            var variables: [EnvironmentVariableEntry] = []
            let table = value.table!
            for name in table.keys.sorted() {
                guard let text = table[name]?.string else {
                    throw ConfigurationError("\(source.culprit(prefix + "env.\(name)")): expected a string")
                }
                variables.append(EnvironmentVariableEntry(name: name, value: text))
            }
            raw = .table(variables)
        default:
            throw wrong(expectation(setting))
        }
        return Entry(value: raw, source: source)
    }

    private static func expectation(_ setting: Setting) -> String {
        if setting == .env { return "a table of strings" }
        return takesList(setting) ? "a list of strings" : "a single value"
    }

    /// Settings whose value is a list of strings in the file.
    private static func takesList(_ setting: Setting) -> Bool {
        SettingRegistry.spec(setting)?.shape == .list
    }

    private static func unknownKey(
        _ name: String,
        path: String,
        line: Int?,
        known: [String],
        key: String? = nil
    ) -> ConfigurationError {
        let bare = key ?? name
        let suggestion = known.min { distance($0, bare) < distance($1, bare) }.flatMap {
            distance($0, bare) <= 2 ? " (did you mean '\($0)'?)" : nil
        }
        let location = line.map { "\(path):\($0)" } ?? path
        return ConfigurationError("\(location): unknown key '\(name)'" + (suggestion ?? ""))
    }
}
