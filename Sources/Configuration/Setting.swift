//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// A droverd setting, named by its key in `drover.toml`. Everything else about it (flags,
/// environment variables, Gunicorn's name, scope, default, help) is declared once, in
/// ``SettingRegistry``.
public struct Setting: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public static func < (lhs: Setting, rhs: Setting) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The declaration of this setting.
    var spec: SettingSpec { SettingRegistry.spec(self)! }

    /// The command-line flag (`--graceful-timeout`); `APP_MODULE` for the positional app.
    var flag: String {
        switch self {
        case .app: "APP_MODULE"
        case .command: "COMMAND"
        default: spec.longFlag ?? rawValue
        }
    }

    /// Keys that `drover.toml` accepts at the top level.
    static let fileKeys: Set<Setting> = Set(SettingRegistry.all.filter { $0.inFile && $0.topLevel }.map(\.setting))

    /// Keys a `[pools.NAME]` table accepts (`kind` is read as `worker_class`).
    static let poolKeys: Set<Setting> = Set(
        SettingRegistry.all.filter { $0.scope == .pool && $0.inFile }.map(\.setting)
    )
}

/// A value before validation, as text (flags, environment) or as typed TOML or Python.
enum RawValue: Hashable, Sendable {
    case text(String)
    case integer(Int)
    case number(Double)
    case boolean(Bool)
    case list([String])
    case table([EnvironmentVariableEntry])
    /// A structured value from a Python configuration file (`logconfig_dict`).
    case json(JSONValue)
}

/// One `NAME = "value"` of an `env` table.
struct EnvironmentVariableEntry: Hashable, Sendable {
    var name: String
    var value: String
}

/// A value and where it came from.
struct Entry: Hashable, Sendable {
    var value: RawValue
    var source: ValueSource
}

/// The values one source gives.
typealias Layer = [Setting: Entry]
