//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// A droverd setting: its key in `drover.toml`, its flag, and its seed environment variable.
enum Setting: String, CaseIterable, Hashable, Sendable {
    case app
    case command
    case config
    case bind
    case workers
    case workersPerCore = "workers_per_core"
    case maxWorkers = "max_workers"
    case workerClass = "worker_class"
    case timeout
    case gracefulTimeout = "graceful_timeout"
    case bootTimeout = "boot_timeout"
    case keepAlive = "keep_alive"
    case logLevel = "log_level"
    case logFormat = "log_format"
    case accessLogfile = "access_logfile"
    case errorLogfile = "error_logfile"
    case chdir
    case pid
    case certfile
    case keyfile
    case maxRequests = "max_requests"
    case maxRequestsJitter = "max_requests_jitter"
    case reload
    case reloadInclude = "reload_include"
    case reloadExclude = "reload_exclude"
    case controlSocket = "control_socket"
    case controlGroup = "control_group"
    case name
    case prestart
    case launcher
    case waitReady = "wait_ready"
    case maxSurge = "max_surge"
    case env

    /// The command-line flag (`--graceful-timeout`); `APP_MODULE` for the positional app.
    var flag: String {
        switch self {
        case .app: "APP_MODULE"
        case .command: "COMMAND"
        default: "--" + rawValue.replacing("_", with: "-")
        }
    }

    /// Keys that `drover.toml` accepts at the top level.
    static let fileKeys: Set<Setting> = Set(allCases).subtracting([.config, .chdir, .command])

    /// Keys a `[pools.NAME]` table accepts (`kind` is read as `worker_class`).
    static let poolKeys: Set<Setting> = [
        .app, .command, .workers, .workersPerCore, .maxWorkers, .bind, .env, .timeout, .bootTimeout,
        .gracefulTimeout, .keepAlive, .waitReady, .maxRequests, .maxRequestsJitter, .maxSurge, .launcher,
    ]
}

/// A value before validation, as text (flags, environment) or as typed TOML.
enum RawValue: Hashable, Sendable {
    case text(String)
    case integer(Int)
    case number(Double)
    case boolean(Bool)
    case list([String])
    case table([EnvironmentVariableEntry])
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
