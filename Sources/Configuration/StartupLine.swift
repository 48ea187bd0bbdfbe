//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// The one-line JSON the seed image prints before its server starts, with the same keys,
/// order and value types (`workers_per_core` a float, `port` a string, null for unset),
/// written as Python's `json.dumps` writes. `loglevel` is `LOG_LEVEL` as the seed prints it; the
/// other values are Drover's effective ones.
public enum StartupLine {
    public static func json(_ configuration: Configuration) -> String {
        let pool = configuration.pools.first
        var keepAlive = 5.0
        var accessLog = LogTarget.standard
        if case .uvicorn(let options)? = pool?.kind {
            keepAlive = options.keepAlive
            accessLog = options.accessLog
        }
        let binds = (pool?.binds ?? []).map { $0.description }
        let members: [(String, JSONValue)] = [
            // The seed prints LOG_LEVEL as given, whatever overrides it (GUNICORN_CMD_ARGS's --log-level).
            ("loglevel", .string(configuration.seed.logLevel)),
            ("workers", .int(pool?.workers ?? 0)),
            ("bind", binds.count == 1 ? .string(binds[0]) : .array(binds.map(JSONValue.string))),
            ("graceful_timeout", seconds(pool?.gracefulTimeout.seconds ?? 0)),
            ("timeout", seconds(pool?.heartbeatTimeout?.seconds ?? 0)),
            ("keepalive", seconds(keepAlive)),
            ("errorlog", log(configuration.errorLog)),
            ("accesslog", log(accessLog)),
            ("workers_per_core", .double(configuration.seed.workersPerCore)),
            ("use_max_workers", configuration.seed.maxWorkers.map(JSONValue.int) ?? .null),
            ("host", .string(configuration.seed.host)),
            ("port", .string(configuration.seed.port)),
        ]
        return JSONValue.object(members).pythonStyle
    }

    private static func seconds(_ value: Double) -> JSONValue {
        value == value.rounded() ? .int(Int(value)) : .double(value)
    }

    private static func log(_ target: LogTarget) -> JSONValue {
        target == .disabled ? .null : .string(target.description)
    }
}
