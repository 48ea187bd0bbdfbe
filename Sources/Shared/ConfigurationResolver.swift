//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser

/// Turns droverd's arguments (and, later, file and environment) into a validated ``Configuration``.
///
/// Pure: the same inputs give the same configuration or the same one-line error.
public enum ConfigurationResolver {
    /// Parses `arguments` (without the program name) and resolves them.
    public static func resolve(
        arguments: [String],
        environment: [String: String]
    ) throws(ConfigurationError) -> Configuration {
        let options: DaemonOptions
        do {
            options = try DaemonOptions.parse(arguments)
        } catch {
            let message = DaemonOptions.message(for: error)
            throw ConfigurationError(message.split(separator: "\n").first.map(String.init) ?? message)
        }
        return try resolve(options, environment: environment)
    }

    /// Resolves parsed options.
    public static func resolve(
        _ options: DaemonOptions,
        environment: [String: String]
    ) throws(ConfigurationError) -> Configuration {
        var sources: [String: String] = [:]
        func source(_ key: String, _ given: Bool, _ flag: String) {
            sources[key] = given ? flag : "default"
        }

        let workers =
            try options.workers.map { text throws(ConfigurationError) in
                try ValueParser.integer(text, name: "--workers", range: 0...10_000)
            } ?? 1
        source("workers", options.workers != nil, "--workers")

        let timeout =
            try options.timeout.map { text throws(ConfigurationError) in
                try ValueParser.seconds(text, name: "--timeout")
            } ?? .seconds(30)
        source("timeout", options.timeout != nil, "--timeout")
        let bootTimeout =
            try options.bootTimeout.map { text throws(ConfigurationError) in
                try ValueParser.seconds(text, name: "--boot-timeout", allowZero: false)
            } ?? .seconds(60)
        source("boot_timeout", options.bootTimeout != nil, "--boot-timeout")
        let gracefulTimeout =
            try options.gracefulTimeout.map { text throws(ConfigurationError) in
                try ValueParser.seconds(text, name: "--graceful-timeout")
            } ?? .seconds(30)
        source("graceful_timeout", options.gracefulTimeout != nil, "--graceful-timeout")
        let keepAlive =
            try options.keepAlive.map { text throws(ConfigurationError) in
                try ValueParser.seconds(text, name: "--keep-alive")
            } ?? .seconds(5)
        source("keep_alive", options.keepAlive != nil, "--keep-alive")

        let logLevelText = options.logLevel?.lowercased() ?? "info"
        guard let logLevel = LogLevel(rawValue: logLevelText) else {
            throw ConfigurationError(
                "--log-level: '\(options.logLevel ?? "")' is not one of critical, error, warning, info, debug, trace"
            )
        }
        source("log_level", options.logLevel != nil, "--log-level")

        let name = options.name ?? "drover"
        guard BindAddress.isValidName(Substring(name)) else {
            throw ConfigurationError("--name: '\(name)' may only use letters, digits, '_', '-' and '.'")
        }
        source("name", options.name != nil, "--name")

        var binds: [BindAddress] = []
        for text in options.bind.isEmpty ? ["127.0.0.1:8000"] : options.bind {
            binds.append(try BindAddress(parsing: text))
        }
        source("bind", !options.bind.isEmpty, "--bind")

        let kind = try workerKind(options, keepAlive: keepAlive, logLevel: logLevel, binds: binds)
        source("worker_class", options.workerClass != nil, "--worker-class")

        if let directory = options.chdir, directory.isEmpty {
            throw ConfigurationError("--chdir: the directory is empty")
        }
        source("chdir", options.chdir != nil, "--chdir")

        let pool = PoolConfiguration(
            name: "web",
            kind: kind,
            workers: workers,
            binds: binds,
            waitReady: options.waitReady,
            bootTimeout: bootTimeout,
            heartbeatTimeout: timeout == .zero ? nil : timeout,
            gracefulTimeout: gracefulTimeout
        )
        return Configuration(
            name: name,
            pools: [pool],
            logLevel: logLevel,
            directory: options.chdir,
            sources: sources
        )
    }

    private static func workerKind(
        _ options: DaemonOptions,
        keepAlive: Duration,
        logLevel: LogLevel,
        binds: [BindAddress]
    ) throws(ConfigurationError) -> WorkerKind {
        let className = options.workerClass ?? "uvicorn"
        switch className {
        case "uvicorn", "uvicorn-h11", "uvicorn.workers.UvicornWorker", "uvicorn.workers.UvicornH11Worker",
            "uvicorn_worker.UvicornWorker", "uvicorn_worker.UvicornH11Worker":
            guard options.command.isEmpty else {
                throw ConfigurationError(
                    "'\(options.command.joined(separator: " "))' after --: a command needs --worker-class command"
                )
            }
            guard let app = options.appModule else {
                throw ConfigurationError("APP_MODULE is missing: name the ASGI app as MODULE:VARIABLE, e.g. main:app")
            }
            try ValueParser.appModule(app)
            let launcher = options.launcher ?? "drover-worker"
            guard !launcher.isEmpty else { throw ConfigurationError("--launcher: the program name is empty") }
            return .uvicorn(
                UvicornOptions(
                    app: app,
                    launcher: launcher,
                    keepAlive: keepAlive.seconds,
                    logLevel: logLevel.rawValue,
                    http: className.contains("H11") || className.hasSuffix("-h11") ? .h11 : .auto
                )
            )
        case "command":
            guard options.appModule == nil else {
                throw ConfigurationError(
                    "'\(options.appModule!)': with --worker-class command, give the program after -- instead of APP_MODULE"
                )
            }
            guard !options.command.isEmpty else {
                throw ConfigurationError("--worker-class command needs the program after --, e.g. -- python3 server.py")
            }
            try ValueParser.placeholders(in: options.command, binds: binds)
            return .command(arguments: options.command)
        default:
            throw ConfigurationError(
                "--worker-class: '\(className)' is not a worker kind (uvicorn, uvicorn-h11, command)"
            )
        }
    }
}
