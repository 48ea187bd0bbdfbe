//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// The effective configuration in Gunicorn's names and types: what hooks see as `server.cfg`,
/// and what droverd logs at debug level as Gunicorn does (`Current configuration:`).
enum GunicornView {
    static func settings(
        merged: Layer,
        pools: [PoolConfiguration],
        logLevel: LogLevel,
        errorLog: LogTarget
    ) -> [(String, JSONValue)] {
        var values: [String: JSONValue] = [
            "loglevel": .string(logLevel.rawValue),
            "errorlog": errorLog == .disabled ? .null : .string(errorLog.description),
        ]
        if let pool = pools.first {
            values["workers"] = .int(pool.workers)
            values["bind"] = .array(pool.binds.map { .string($0.description) })
            values["timeout"] = number(pool.heartbeatTimeout?.seconds ?? 0)
            values["graceful_timeout"] = number(pool.gracefulTimeout.seconds)
            values["raw_env"] = .array(pool.environment.map { .string("\($0.name)=\($0.value)") })
            switch pool.kind {
            case .uvicorn(let options):
                values["worker_class"] = .string(
                    options.http == .h11 ? "uvicorn.workers.UvicornH11Worker" : "uvicorn.workers.UvicornWorker"
                )
                values["keepalive"] = number(options.keepAlive)
                values["accesslog"] = options.accessLog == .disabled ? .null : .string(options.accessLog.description)
                values["max_requests"] = .int(options.maxRequests ?? 0)
                values["max_requests_jitter"] = .int(options.maxRequestsJitter)
                values["preload_app"] = .bool(options.preload)
                values["certfile"] = options.certificate.map { .string($0.certificate) } ?? .null
                values["keyfile"] = options.certificate.map { .string($0.key) } ?? .null
                values["wsgi_app"] = .string(options.app + (options.factory ? "()" : ""))
            case .command:
                values["worker_class"] = .string("command")
            }
        }
        // The rest as given, in Gunicorn's types where the value says.
        for spec in SettingRegistry.all {
            guard let name = spec.gunicorn, values[name] == nil, let entry = merged[spec.setting] else { continue }
            values[name] = json(entry.value)
        }
        return values.sorted { $0.key < $1.key }
    }

    private static func number(_ value: Double) -> JSONValue {
        value == value.rounded() ? .int(Int(value)) : .double(value)
    }

    private static func json(_ value: RawValue) -> JSONValue {
        switch value {
        case .text(let text): .string(text)
        case .integer(let number): .int(number)
        case .number(let number): .double(number)
        case .boolean(let flag): .bool(flag)
        case .list(let items): .array(items.map(JSONValue.string))
        case .table(let variables): .object(variables.map { ($0.name, .string($0.value)) })
        case .json(let value): value
        }
    }
}
