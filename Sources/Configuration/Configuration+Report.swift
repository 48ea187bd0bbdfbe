//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

extension Configuration {
    /// The effective configuration and each value's source, as `--check-config` prints it:
    /// `{"config": {…}, "sources": {…}}` (``controlReport`` as JSON).
    public var report: JSONValue {
        (try? JSONValueEncoder().encode(controlReport)) ?? .null
    }

    /// The effective configuration and each value's source, as the control socket's `config` verb answers.
    public var controlReport: ConfigReport {
        let config: [(String, JSONValue)] = [
            ("name", .string(name)),
            ("file", file.map(JSONValue.string) ?? .null),
            ("chdir", directory.map(JSONValue.string) ?? .null),
            ("pid", pidFile.map(JSONValue.string) ?? .null),
            ("control_socket", controlSocket.map(JSONValue.string) ?? .null),
            ("control_group", controlGroup.map(JSONValue.string) ?? .null),
            ("ops_bind", opsBind.map { .string($0.description) } ?? .null),
            ("shutdown_delay", Self.number(shutdownDelay.seconds)),
            ("cpu_from_request", .bool(cpuFromRequest)),
            ("follow_cpu_limit", .bool(followCPULimit)),
            ("page_out_code", .bool(pageOutCode)),
            (
                "cpu_budget",
                .object([
                    ("cpus", .int(cpuBudget.cpus)), ("rule", .string(cpuBudget.rule.rawValue)),
                    ("detail", .string(cpuBudget.detail)),
                ])
            ),
            ("app_metrics", .bool(appMetrics)),
            ("prestart", .string(prestart)),
            ("log_level", .string(logLevel.rawValue)),
            ("log_format", .string(logFormat.rawValue)),
            ("error_logfile", .string(errorLog.description)),
            ("reload", .bool(reload)),
            ("reload_include", .array(reloadFilter.include.map(JSONValue.string))),
            ("reload_exclude", .array(reloadFilter.exclude.map(JSONValue.string))),
            ("pools", .array(pools.map(Self.report))),
        ]
        let sortedSources = sources.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }
        return ConfigReport(config: .object(config), sources: .object(sortedSources))
    }

    private static func report(_ pool: PoolConfiguration) -> JSONValue {
        var members: [(String, JSONValue)] = [("name", .string(pool.name))]
        switch pool.kind {
        case .uvicorn(let options):
            members += [
                ("kind", .string(pool.kind.name)),
                ("app", .string(options.app + (options.factory ? "()" : ""))),
                ("launcher", .string(options.launcher)),
                ("keep_alive", number(options.keepAlive)),
                ("access_logfile", .string(options.accessLog.description)),
                ("certfile", options.certificate.map { .string($0.certificate) } ?? .null),
                ("keyfile", options.certificate.map { .string($0.key) } ?? .null),
                ("max_requests", .int(options.maxRequests ?? 0)),
                ("max_requests_jitter", .int(options.maxRequestsJitter)),
                ("spawn", .string(options.spawn.rawValue)),
                ("preload_app", .bool(options.preload)),
            ]
        case .command(let arguments):
            members += [("kind", .string("command")), ("command", .array(arguments.map(JSONValue.string)))]
        }
        members += [
            ("workers", .int(pool.workers)),
            ("workers_from_cpu_budget", .bool(pool.automaticWorkers != nil)),
            ("bind", .array(pool.binds.map { .string(($0.name.map { "\($0)=" } ?? "") + $0.description) })),
            ("env", .object(pool.environment.map { ($0.name, .string($0.value)) })),
            ("timeout", number(pool.heartbeatTimeout?.seconds ?? 0)),
            ("boot_timeout", number(pool.bootTimeout.seconds)),
            ("graceful_timeout", number(pool.gracefulTimeout.seconds)),
            ("wait_ready", .bool(pool.waitReady)),
            ("readiness", .string(pool.readiness.rawValue)),
            ("ready_probe", pool.readyProbe.map(JSONValue.string) ?? .null),
            ("max_surge", pool.maxSurge.map(JSONValue.int) ?? .null),
            ("max_worker_lifetime", number(pool.maxWorkerLifetime?.seconds ?? 0)),
            ("lifetime_jitter", number(pool.lifetimeJitter.seconds)),
            ("max_worker_memory", .int(Int(pool.memoryLimit?.bytes ?? 0))),
            ("pool_memory_limit", .int(Int(pool.memoryLimit?.poolBytes ?? 0))),
            ("memory_pressure", .bool(pool.memoryPressure)),
            ("memory_interval", number(pool.memoryLimit?.interval.seconds ?? 10)),
            ("memory_samples", .int(pool.memoryLimit?.samples ?? 3)),
            ("request_timeout", number(pool.requestTimeout?.seconds ?? 0)),
        ]
        return .object(members)
    }

    private static func number(_ value: Double) -> JSONValue {
        value == value.rounded() ? .int(Int(value)) : .double(value)
    }
}
