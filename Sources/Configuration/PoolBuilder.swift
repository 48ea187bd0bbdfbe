//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// Builds one pool from the merged settings and, for a `[pools.NAME]` table, the pool's own
/// values (which win over the global ones). Defaults are the seed image's.
struct PoolBuilder {
    let cores: Int
    let detectedModule: String?
    /// Sockets systemd passed in, used when no bind is given.
    let inheritedSockets: [String]
    /// Development mode: one worker unless a count is given.
    let reload: Bool
    /// The seed's defaults, or Gunicorn's when a Gunicorn configuration file is in use.
    let defaults: PoolDefaults
    /// The Gunicorn configuration file in use, whose path and worker hooks the launcher gets.
    let gunicorn: GunicornConfiguration?
    /// The Gunicorn configuration file whose `workers` is the seed's rule applied to the CPUs
    /// (`drover_workers_from_cpu = True`): that value gives way to droverd's own computation.
    var workersFromCPUFile: String? = nil
    /// Sources of values that were computed (the worker count, the detected app).
    var sources: [String: String] = [:]

    mutating func pool(
        name: String,
        global: Layer,
        own: Layer?,
        logLevel: LogLevel,
        logFormat: LogFormat,
        errorLog: LogTarget
    ) throws(ConfigurationError) -> PoolConfiguration {
        var layer = global
        for (setting, entry) in own ?? [:] { layer[setting] = entry }
        let inFile = own != nil
        /// The key errors name: `pools.web.workers` for a pool's own value.
        func key(_ setting: Setting) -> String {
            own?[setting] != nil
                ? "pools.\(name).\(setting == .workerClass ? "kind" : setting.rawValue)" : setting.rawValue
        }
        func sourceKey(_ setting: Setting) -> String {
            inFile ? "pools.\(name).\(setting.rawValue)" : setting.rawValue
        }
        func explicit(_ setting: Setting) -> Bool {
            guard let entry = layer[setting] else { return false }
            if inFile { return own?[setting] != nil }
            if case .builtIn = entry.source { return false }
            return true
        }

        let className =
            try layer[.workerClass].map { entry throws(ConfigurationError) in
                try ValueParser.text(entry, key(.workerClass))
            } ?? "uvicorn"
        let isCommand = className == "command"
        let uvicornClasses = [
            "uvicorn", "uvicorn-h11", "uvicorn.workers.UvicornWorker", "uvicorn.workers.UvicornH11Worker",
            "uvicorn_worker.UvicornWorker", "uvicorn_worker.UvicornH11Worker",
        ]
        guard isCommand || uvicornClasses.contains(className) else {
            let culprit = layer[.workerClass]!.source.culprit(key(.workerClass))
            throw ConfigurationError("\(culprit): '\(className)' is not a worker kind (uvicorn, uvicorn-h11, command)")
        }

        func seconds(
            _ setting: Setting,
            default value: Duration,
            allowZero: Bool = true
        ) throws(ConfigurationError) -> Duration {
            try layer[setting].map { entry throws(ConfigurationError) in
                try ValueParser.seconds(entry, key(setting), allowZero: allowZero)
            } ?? value
        }
        let timeout = try seconds(.timeout, default: defaults.timeout)
        let gracefulTimeout = try seconds(.gracefulTimeout, default: defaults.gracefulTimeout)
        // As long as the heartbeat timeout if that is longer, as Gunicorn's `timeout` also bounds a boot.
        let bootTimeout = try seconds(.bootTimeout, default: max(.seconds(60), timeout), allowZero: false)
        let keepAlive = try seconds(.keepAlive, default: defaults.keepAlive)

        let (workers, automaticWorkers) = try workerCount(layer: layer, key: key, sourceKey: sourceKey(.workers))
        let binds = try binds(layer: layer, own: own, isCommand: isCommand, key: key)
        var environment = try Self.environment(global: global[.env], own: own?[.env], key: key(.env))
        if let entry = layer[.rawEnv] {
            for pair in try ValueParser.list(entry, key(.rawEnv)) {
                guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                    throw ConfigurationError("\(entry.source.culprit(key(.rawEnv))): '\(pair)' is not NAME=VALUE")
                }
                let name = String(pair[..<equals])
                environment.removeAll { $0.name == name }
                environment.append(EnvironmentVariable(name, String(pair[pair.index(after: equals)...])))
            }
        }
        let waitReady = try layer[.waitReady].map { entry throws(ConfigurationError) in
            try ValueParser.boolean(entry, key(.waitReady))
        }
        var readyProbe: String?
        if let entry = layer[.readyProbe] { readyProbe = try ValueParser.probePath(entry, key(.readyProbe)) }
        let maxSurge = try layer[.maxSurge].map { entry throws(ConfigurationError) in
            try ValueParser.integer(entry, key(.maxSurge), range: 1...10_000)
        }
        let maxRequests = try layer[.maxRequests].map { entry throws(ConfigurationError) in
            try ValueParser.integer(entry, key(.maxRequests), range: 0...1_000_000_000)
        }
        let jitter =
            try layer[.maxRequestsJitter].map { entry throws(ConfigurationError) in
                try ValueParser.integer(entry, key(.maxRequestsJitter), range: 0...1_000_000_000)
            } ?? 0
        // Lifetimes are long: up to a year.
        let lifetime = try layer[.maxWorkerLifetime].map { entry throws(ConfigurationError) in
            try ValueParser.duration(entry, key(.maxWorkerLifetime), limit: 366 * 86_400)
        }
        let lifetimeJitter =
            try layer[.lifetimeJitter].map { entry throws(ConfigurationError) in
                try ValueParser.duration(entry, key(.lifetimeJitter), limit: 366 * 86_400)
            } ?? .zero
        let memoryLimit = try memoryLimit(layer: layer, key: key)
        let memoryPressure =
            try layer[.memoryPressure].map { entry throws(ConfigurationError) in
                try ValueParser.boolean(entry, key(.memoryPressure))
            } ?? false
        let requestTimeout = try layer[.requestTimeout].map { entry throws(ConfigurationError) in
            let timeout = try ValueParser.duration(entry, key(.requestTimeout), limit: 86_400)
            // The launcher notes its requests' starts at each 0.1 s heartbeat.
            guard timeout == .zero || timeout >= .seconds(1) else {
                throw ConfigurationError("\(entry.source.culprit(key(.requestTimeout))): at least 1s (or 0: off)")
            }
            return timeout
        }
        let certificate = try tls(layer: layer, key: key)

        let kind: WorkerKind
        if isCommand {
            guard let entry = layer[.command], case let arguments = try ValueParser.list(entry, key(.command)),
                !arguments.isEmpty, !arguments[0].isEmpty
            else {
                throw ConfigurationError(
                    inFile
                        ? "\(own?[.workerClass]?.source.culprit("pools.\(name)") ?? "pools.\(name)"): kind = \"command\" needs command = [\"program\", \"argument\", …]"
                        : "--worker-class command needs the program after --, e.g. -- python3 server.py"
                )
            }
            if explicit(.app), let app = layer[.app] {
                throw ConfigurationError(
                    inFile
                        ? "\(app.source.culprit(key(.app))): app is for uvicorn pools; this one runs a command"
                        : "\(app.source.culprit(key(.app))): with --worker-class command, give the program after -- instead of APP_MODULE"
                )
            }
            for setting in [Setting.certfile, .keyfile, .maxRequests, .spawn, .preloadApp, .requestTimeout]
            where explicit(setting) && (inFile || layer[setting] != nil) {
                if inFile && own?[setting] == nil { continue }
                // SPAWN / PRELOAD_APP / REQUEST_TIMEOUT describe the image's uvicorn pools; a command pool
                // just execs (and has no launcher to report its requests).
                if case .environment = layer[setting]!.source,
                    [Setting.spawn, .preloadApp, .requestTimeout].contains(setting)
                {
                    continue
                }
                throw ConfigurationError(
                    "\(layer[setting]!.source.culprit(key(setting))): applies to uvicorn workers only"
                )
            }
            try ValueParser.placeholders(
                in: arguments,
                binds: binds,
                probe: readyProbe != nil,
                culprit: entry.source.culprit(key(.command))
            )
            kind = .command(arguments: arguments)
        } else {
            if explicit(.command), let command = layer[.command] {
                let words = (try? ValueParser.list(command, key(.command)))?.joined(separator: " ") ?? ""
                throw ConfigurationError(
                    inFile
                        ? "\(command.source.culprit(key(.command))): command is for kind = \"command\" pools"
                        : "'\(words)' after --: a command needs --worker-class command"
                )
            }
            let (app, factory) = try appModule(
                layer: layer,
                key: key,
                sourceKey: sourceKey(.app),
                poolName: inFile ? name : nil
            )
            let (spawn, preload) = try spawnMode(layer: layer, key: key)
            let accessLog =
                try layer[.accessLogfile].map { entry throws(ConfigurationError) in
                    LogTarget(try ValueParser.text(entry, key(.accessLogfile)))
                } ?? LogTarget(defaults.accessLog)
            let launcher =
                try layer[.launcher].map { entry throws(ConfigurationError) in
                    try ValueParser.text(entry, key(.launcher))
                } ?? "drover-worker"
            guard !launcher.isEmpty else {
                throw ConfigurationError(
                    "\(layer[.launcher]!.source.culprit(key(.launcher))): the program name is empty"
                )
            }
            // An error log turned off still shows warnings, as Gunicorn's does.
            let workerLevel = errorLog == .disabled ? max(logLevel, .warning) : logLevel
            kind = .uvicorn(
                UvicornOptions(
                    app: app,
                    factory: factory,
                    launcher: launcher,
                    keepAlive: keepAlive.seconds,
                    logLevel: workerLevel.rawValue,
                    accessLog: accessLog,
                    logFormat: logFormat,
                    http: className.contains("H11") || className.hasSuffix("-h11") ? .h11 : .auto,
                    certificate: certificate,
                    maxRequests: maxRequests == 0 ? nil : maxRequests,
                    maxRequestsJitter: jitter,
                    launcherArguments: try launcherArguments(layer: layer, key: key),
                    spawn: spawn,
                    preload: preload
                )
            )
        }
        return PoolConfiguration(
            name: name,
            kind: kind,
            workers: workers,
            binds: binds,
            environment: environment,
            waitReady: waitReady,
            readyProbe: readyProbe,
            bootTimeout: bootTimeout,
            heartbeatTimeout: timeout == .zero ? nil : timeout,
            gracefulTimeout: gracefulTimeout,
            maxSurge: maxSurge,
            maxWorkerLifetime: lifetime == .zero ? nil : lifetime,
            lifetimeJitter: lifetimeJitter,
            memoryLimit: memoryLimit,
            requestTimeout: isCommand || requestTimeout == .zero ? nil : requestTimeout,
            memoryPressure: memoryPressure,
            automaticWorkers: automaticWorkers
        )
    }

    /// An explicit count, or the seed's: WORKERS_PER_CORE × cores, at least 2, at most MAX_WORKERS
    /// (then with the rule, for the core to apply again when the CPU budget changes).
    private mutating func workerCount(
        layer: Layer,
        key: (Setting) -> String,
        sourceKey: String
    ) throws(ConfigurationError) -> (Int, AutomaticWorkers?) {
        let computedByFile = workersFromCPUFile.map { layer[.workers]?.source == .file(path: $0, line: nil) } ?? false
        if let entry = layer[.workers], !computedByFile {
            return (try ValueParser.integer(entry, key(.workers), range: 1...10_000), nil)
        }
        if !reload, !computedByFile, let (value, origin) = defaults.workers {
            sources[sourceKey] =
                ValueSource.builtIn("Gunicorn's: \(origin == "Gunicorn's" ? "1" : "$" + origin)").description
            let source: ValueSource = origin == "Gunicorn's" ? .builtIn(nil) : .environment(origin)
            let entry = Entry(value: .text(value), source: source)
            return (try ValueParser.integer(entry, key(.workers), range: 1...10_000), nil)
        }
        if reload {
            sources[sourceKey] = ValueSource.builtIn("reload mode").description
            return (1, nil)
        }
        // The file applied the seed's rule: its inputs are the seed's variables, as the file read them.
        let seedRule = computedByFile ? defaults.seedWorkerRule : [:]
        let perCoreEntry = layer[.workersPerCore] ?? seedRule[.workersPerCore]
        let perCore =
            try perCoreEntry.map { entry throws(ConfigurationError) in
                try ValueParser.number(entry, key(.workersPerCore))
            } ?? 1
        let cap = try (layer[.maxWorkers] ?? seedRule[.maxWorkers]).map { entry throws(ConfigurationError) in
            try ValueParser.integer(entry, key(.maxWorkers), range: 0...10_000)
        }
        if let perCoreEntry {
            // A negative value gives 2 workers, as in the seed (max(int(…), 2)); a huge one is refused.
            let culprit = perCoreEntry.source.culprit(key(.workersPerCore))
            let product = perCore * Double(cores)
            guard product <= 10_000 || (cap ?? 0) != 0 else {
                throw ConfigurationError(
                    "\(culprit): \(ValueParser.format(perCore)) × \(cores) CPUs is more than 10000 workers (set MAX_WORKERS)"
                )
            }
        }
        let automatic = AutomaticWorkers(workersPerCore: perCore, maxWorkers: cap)
        let count = automatic.count(cores: cores)
        var note = "\(ValueParser.format(perCore)) per core × \(cores) CPU\(cores == 1 ? "" : "s"), at least 2"
        if let cap, cap != 0 { note += ", at most \(cap)" }
        sources[sourceKey] = ValueSource.builtIn(note).description
        return (count, automatic)
    }

    private mutating func binds(
        layer: Layer,
        own: Layer?,
        isCommand: Bool,
        key: (Setting) -> String
    ) throws(ConfigurationError) -> [BindAddress] {
        // A command pool in a file listens only where its table says; one from the command line
        // only where a bind is given, or on the default bind if its command names a socket ({fd}).
        if isCommand, let own, own[.bind] == nil { return [] }
        if isCommand, own == nil, layer[.bind] == nil, inheritedSockets.isEmpty {
            let arguments = (layer[.command].flatMap { try? ValueParser.list($0, "command") }) ?? []
            if !arguments.contains(where: { !CommandTemplate.placeholders(in: $0).isEmpty }) { return [] }
        }
        if layer[.bind] == nil, !inheritedSockets.isEmpty {
            sources["bind"] = ValueSource.builtIn("sockets from systemd").description
            return inheritedSockets.map { BindAddress(.inherited(name: $0)) }
        }
        let entry = layer[.bind] ?? Entry(value: .list([defaults.bind]), source: .builtIn(nil))
        var binds: [BindAddress] = []
        for text in try ValueParser.list(entry, key(.bind)) {
            do {
                binds.append(try BindAddress(parsing: text))
            } catch {
                throw ConfigurationError("\(entry.source.culprit(key(.bind))): \(error.message)")
            }
        }
        return binds
    }

    private mutating func appModule(
        layer: Layer,
        key: (Setting) -> String,
        sourceKey: String,
        poolName: String?
    ) throws(ConfigurationError) -> (String, Bool) {
        if let entry = layer[.app] {
            return try ValueParser.appModule(
                try ValueParser.text(entry, key(.app)),
                culprit: entry.source.culprit(key(.app))
            )
        }
        guard let module = detectedModule else {
            let subject = poolName.map { "pools.\($0): app is missing" } ?? "APP_MODULE is missing"
            throw ConfigurationError(
                "\(subject): no app/main.py or main.py in the app directory; give MODULE:VARIABLE (e.g. main:app), or set APP_MODULE or MODULE_NAME"
            )
        }
        sources[sourceKey] =
            ValueSource.builtIn(module == "app.main" ? "app/main.py found" : "main.py found").description
        return ("\(module):app", false)
    }

    private func tls(layer: Layer, key: (Setting) -> String) throws(ConfigurationError) -> TLSFiles? {
        let certificate = try layer[.certfile].map { entry throws(ConfigurationError) in
            try ValueParser.text(entry, key(.certfile))
        }
        let privateKey = try layer[.keyfile].map { entry throws(ConfigurationError) in
            try ValueParser.text(entry, key(.keyfile))
        }
        switch (certificate, privateKey) {
        case (nil, nil): return nil
        case (let certificate?, let privateKey?) where !certificate.isEmpty && !privateKey.isEmpty:
            return TLSFiles(certificate: certificate, key: privateKey)
        case (_?, nil), ("", _?):
            throw ConfigurationError("\(layer[.certfile]!.source.culprit(key(.certfile))): needs --keyfile too")
        default:
            throw ConfigurationError("\(layer[.keyfile]!.source.culprit(key(.keyfile))): needs --certfile too")
        }
    }

    /// The top-level `env` table, with the pool's own `env` on top.
    private static func environment(
        global: Entry?,
        own: Entry?,
        key: String
    ) throws(ConfigurationError) -> [EnvironmentVariable] {
        var result: [EnvironmentVariable] = []
        for entry in [global, own].compactMap({ $0 }) {
            guard case .table(let variables) = entry.value else {
                throw ConfigurationError("\(entry.source.culprit(key)): expected a table of strings")
            }
            for variable in variables {
                guard !variable.name.isEmpty, !variable.name.contains("=") else {
                    throw ConfigurationError("\(entry.source.culprit(key)): '\(variable.name)' is not a variable name")
                }
                result.removeAll { $0.name == variable.name }
                result.append(EnvironmentVariable(variable.name, variable.value))
            }
        }
        return result
    }
}
