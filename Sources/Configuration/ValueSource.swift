//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// Where a configuration value came from, lowest precedence first:
/// built-in default < file < environment < command line < `GUNICORN_CMD_ARGS` < `DROVER_ARGS`.
public enum ValueSource: Hashable, Sendable, CustomStringConvertible {
    /// Drover's default, with how it was found (`app/main.py exists`).
    case builtIn(String?)
    case file(path: String, line: Int?)
    case environment(String)
    case flag(String)
    /// A flag inside `DROVER_ARGS` or `GUNICORN_CMD_ARGS`.
    case argumentVariable(String, flag: String)

    /// How `config` and `--check-config` report it: `default`, `file:drover.toml:3`,
    /// `env:WEB_CONCURRENCY`, `flag:--workers`, `env:DROVER_ARGS --workers`.
    public var description: String {
        switch self {
        case .builtIn(nil): "default"
        case .builtIn(let note?): "default (\(note))"
        case .file(let path, let line?): "file:\(path):\(line)"
        case .file(let path, nil): "file:\(path)"
        case .environment(let name): "env:\(name)"
        case .flag(let flag): "flag:\(flag)"
        case .argumentVariable(let variable, let flag): "env:\(variable) \(flag)"
        }
    }

    /// What an error message starts with: `--workers`, `WEB_CONCURRENCY`, `drover.toml:3: workers`.
    func culprit(_ key: String) -> String {
        switch self {
        case .builtIn: key
        case .file(let path, let line?): "\(path):\(line): \(key)"
        case .file(let path, nil): "\(path): \(key)"
        case .environment(let name): name
        case .flag(let flag): flag
        case .argumentVariable(let variable, let flag): "\(variable): \(flag)"
        }
    }
}
