//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// What the configuration is made of. Everything that touches the system (reading the file,
/// counting CPUs, looking for `main.py`) has happened before, so resolving is a pure function.
public struct ConfigurationInputs: Sendable {
    /// The command line.
    public var options: DaemonOptions
    public var environment: [String: String]
    /// The configuration file (TOML), if one was found and read.
    public var file: ConfigurationFile?
    /// The Gunicorn configuration file (Python), if one was found and read instead.
    public var python: PythonConfigurationFile?
    /// What this process's CPUs look like (see ``CPUBudget``); the budget's rule is applied once
    /// `cpu_from_request` is known.
    public var cpu: CPUReading
    /// Whether a path relative to the app directory names a regular file (for `main.py` detection).
    public var fileExists: @Sendable (String) -> Bool
    /// Names of the sockets systemd passed in; without a bind of its own, a pool listens on them.
    public var inheritedSockets: [String]

    public init(
        options: DaemonOptions,
        environment: [String: String],
        file: ConfigurationFile? = nil,
        python: PythonConfigurationFile? = nil,
        cores: Int = 1,
        cpu: CPUReading? = nil,
        fileExists: @escaping @Sendable (String) -> Bool = { _ in false },
        inheritedSockets: [String] = []
    ) {
        self.inheritedSockets = inheritedSockets
        self.options = options
        self.environment = environment
        self.file = file
        self.python = python
        self.cpu = cpu ?? CPUReading(affinity: cores)
        self.fileExists = fileExists
    }
}

/// Resolves droverd's configuration from, lowest precedence first: built-in defaults (the seed
/// image's), the configuration file, the environment (the seed's variables), the command line,
/// `GUNICORN_CMD_ARGS` (Gunicorn's flags only) and `DROVER_ARGS`.
public enum ConfigurationResolver {
    /// The app directory and the configuration file to read, known before the file is read.
    public struct Locations: Hashable, Sendable {
        /// `--chdir`, if given.
        public var directory: String?
        /// The file named by `-c` or `DROVER_CONF`, with who named it (it must exist).
        public var explicitFile: (path: String, by: String)?

        public static func == (lhs: Locations, rhs: Locations) -> Bool {
            lhs.directory == rhs.directory && lhs.explicitFile?.path == rhs.explicitFile?.path
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(directory)
            hasher.combine(explicitFile?.path)
        }
    }

    /// Files looked for in the app directory when no file is named: Drover's, then the seed
    /// image's `gunicorn_conf.py` (its start.sh order), then Gunicorn's own `gunicorn.conf.py`.
    public static let defaultFiles = ["drover.toml", "app/drover.toml"]
    public static let defaultPythonFiles = ["gunicorn_conf.py", "app/gunicorn_conf.py", "gunicorn.conf.py"]

    /// Whether a configuration file is Gunicorn's Python rather than TOML (by its name).
    public static func isPython(_ path: String) -> Bool {
        !path.lowercased().hasSuffix(".toml")
    }

    public static func locations(
        options: DaemonOptions,
        environment: [String: String]
    ) throws(ConfigurationError) -> Locations {
        let merged = try commandLayers(options: options, environment: environment, file: nil, detectedModule: nil)
            .merged
        let directory = try merged[.chdir].map { entry throws(ConfigurationError) in
            try ValueParser.text(entry, "chdir")
        }
        if let directory, directory.isEmpty { throw ConfigurationError("--chdir: the directory is empty") }
        let file = try merged[.config].map { entry throws(ConfigurationError) in
            (try ValueParser.text(entry, "config"), entry.source.culprit("config"))
        }
        return Locations(directory: directory, explicitFile: file)
    }

    /// The launcher program the flags and environment name (it reads Gunicorn configuration files).
    public static func launcher(options: DaemonOptions, environment: [String: String]) -> String {
        let merged = try? commandLayers(options: options, environment: environment, file: nil, detectedModule: nil)
            .merged
        if case .text(let program)? = merged?[.launcher]?.value, !program.isEmpty { return program }
        return "drover-worker"
    }

    /// The configuration as far as it can be known before the prestart script runs: every value
    /// checked, but an app the script may still name (by exporting `APP_MODULE`) is not required.
    public static func resolveBeforePrestart(_ inputs: ConfigurationInputs) throws(ConfigurationError) -> Configuration
    {
        var early = inputs
        let exists = inputs.fileExists
        early.fileExists = { $0 == "main.py" || exists($0) }
        return try resolve(early)
    }

    /// The prestart script to source (relative paths are in the app directory).
    public static func prestart(_ inputs: ConfigurationInputs) throws(ConfigurationError) -> String {
        let merged = try commandLayers(
            options: inputs.options,
            environment: inputs.environment,
            file: inputs.file,
            detectedModule: nil
        ).merged
        return try merged[.prestart].map { entry throws(ConfigurationError) in try ValueParser.text(entry, "prestart") }
            ?? "prestart.sh"
    }

    /// Every source's values, merged: the highest precedence wins for each setting.
    static func commandLayers(
        options: DaemonOptions,
        environment: [String: String],
        file: ConfigurationFile?,
        python: PythonConfigurationFile? = nil,
        detectedModule: String?
    ) throws(ConfigurationError) -> (merged: Layer, seed: SeedSummary, warnings: [String], mentions: [GunicornMention])
    {
        let (environmentLayer, seed, warnings) = SeedEnvironment.layer(
            environment,
            detectedModule: detectedModule,
            gunicornFile: python != nil
        )
        var layers = [
            python?.settings ?? file?.settings ?? [:], environmentLayer,
            OptionsLayer.layer(options, origin: .commandLine),
        ]
        var mentions = (python?.gunicornOnly ?? []) + OptionsLayer.gunicornOnly(options, origin: .commandLine)
        for (name, dialect) in [("GUNICORN_CMD_ARGS", DaemonOptions.Dialect.gunicorn), ("DROVER_ARGS", .drover)] {
            guard let text = environment[name], !text.isEmpty else { continue }
            let parsed = try OptionsLayer.parse(variable: name, text, dialect: dialect)
            var layer = OptionsLayer.layer(parsed, origin: .variable(name))
            if dialect == .gunicorn { layer[.app] = nil }
            layers.append(layer)
            mentions += OptionsLayer.gunicornOnly(parsed, origin: .variable(name))
        }
        var merged: Layer = [:]
        for layer in layers { merged.merge(layer) { _, higher in higher } }
        return (merged, seed, warnings, mentions)
    }

    /// The validated configuration.
    public static func resolve(_ inputs: ConfigurationInputs) throws(ConfigurationError) -> Configuration {
        let detected = SeedEnvironment.detectedModule(fileExists: inputs.fileExists)
        let (merged, seedInputs, warnings, mentions) = try commandLayers(
            options: inputs.options,
            environment: inputs.environment,
            file: inputs.file,
            python: inputs.python,
            detectedModule: detected
        )
        var notices: [String] = []
        for mention in mentions {
            if case .refused = mention.setting.status {
                throw ConfigurationError(mention.setting.message(culprit: mention.culprit))
            }
            notices.append(mention.setting.message(culprit: mention.culprit))
        }
        if let python = inputs.python, !python.unknownNames.isEmpty {
            notices.append(
                "\(python.path): not Gunicorn settings, so ignored (as Gunicorn does): \(python.unknownNames.joined(separator: ", "))"
            )
        }
        let reload =
            try merged[.reload].map { entry throws(ConfigurationError) in
                try ValueParser.boolean(entry, "reload")
            } ?? false
        let reloadFilter = ReloadFilter(
            include: (try merged[.reloadInclude].map { entry throws(ConfigurationError) in
                try ValueParser.list(entry, "reload_include")
            } ?? ReloadFilter.defaultInclude)
                + (try merged[.reloadExtraFiles].map { entry throws(ConfigurationError) in
                    try ValueParser.list(entry, "reload_extra_files")
                } ?? []),
            exclude: ReloadFilter.defaultExclude
                + (try merged[.reloadExclude].map { entry throws(ConfigurationError) in
                    try ValueParser.list(entry, "reload_exclude")
                } ?? [])
        )
        let gunicorn = inputs.python.map { python in
            GunicornConfiguration(
                path: python.path,
                masterHooks: python.hooks.filter(SettingRegistry.masterHooks.contains),
                workerHooks: python.hooks.filter(SettingRegistry.workerHooks.contains)
            )
        }
        let cpuFromRequest =
            try merged[.cpuFromRequest].map { entry throws(ConfigurationError) in
                try ValueParser.boolean(entry, "cpu_from_request")
            } ?? false
        let cpuBudget = inputs.cpu.decision(fromRequest: cpuFromRequest)
        var builder = PoolBuilder(
            cores: cpuBudget.cpus,
            detectedModule: detected,
            inheritedSockets: inputs.inheritedSockets,
            reload: reload,
            defaults: gunicorn == nil ? .seed : .gunicorn(environment: inputs.environment),
            gunicorn: gunicorn,
            workersFromCPUFile: inputs.python.flatMap { $0.workersFromCPU ? $0.path : nil }
        )
        var sources: [String: String] = [:]
        for (setting, entry) in merged where setting != .env {
            sources[setting.rawValue] = entry.source.description
        }

        let name =
            try merged[.name].map { entry throws(ConfigurationError) in try ValueParser.text(entry, "name") }
            ?? "drover"
        guard BindAddress.isValidName(Substring(name)) else {
            throw ConfigurationError(
                "\(merged[.name]!.source.culprit("name")): '\(name)' may only use letters, digits, '_', '-' and '.'"
            )
        }
        let logLevel = try Self.logLevel(merged[.logLevel])
        let logFormat = try Self.logFormat(merged[.logFormat])
        let errorLog =
            try merged[.errorLogfile].map { entry throws(ConfigurationError) in
                LogTarget(try ValueParser.text(entry, "error_logfile"))
            } ?? .standard
        func optionalText(_ setting: Setting) throws(ConfigurationError) -> String? {
            guard let entry = merged[setting] else { return nil }
            let text = try ValueParser.text(entry, setting.rawValue)
            guard !text.isEmpty else {
                throw ConfigurationError("\(entry.source.culprit(setting.rawValue)): empty value")
            }
            return text
        }

        var pools: [PoolConfiguration] = []
        if let file = inputs.file, !file.pools.isEmpty {
            for table in file.pools {
                let pool = try builder.pool(
                    name: table.name,
                    global: merged,
                    own: table.settings,
                    logLevel: logLevel,
                    logFormat: logFormat,
                    errorLog: errorLog
                )
                pools.append(pool)
                for (setting, entry) in table.settings {
                    sources["pools.\(table.name).\(setting == .workerClass ? "kind" : setting.rawValue)"] =
                        entry.source.description
                }
            }
        } else {
            pools.append(
                try builder.pool(
                    name: "web",
                    global: merged,
                    own: nil,
                    logLevel: logLevel,
                    logFormat: logFormat,
                    errorLog: errorLog
                )
            )
        }
        sources.merge(builder.sources) { explicit, _ in explicit }
        if inputs.python?.workersFromCPU == true, let computed = builder.sources["workers"] {
            sources["workers"] = computed  // the file's value gave way to droverd's computation
        }
        for setting in Setting.fileKeys where setting != .env && sources[setting.rawValue] == nil {
            sources[setting.rawValue] = ValueSource.builtIn(nil).description
        }

        let workersPerCore =
            try merged[.workersPerCore].map { entry throws(ConfigurationError) in
                try ValueParser.number(entry, "workers_per_core")
            } ?? 1
        let maxWorkers = try merged[.maxWorkers].map { entry throws(ConfigurationError) in
            try ValueParser.integer(entry, "max_workers", range: 0...10_000)
        }
        return Configuration(
            name: name,
            pools: pools,
            logLevel: logLevel,
            logFormat: logFormat,
            errorLog: errorLog,
            directory: try optionalText(.chdir),
            pidFile: try optionalText(.pid),
            controlSocket: try optionalText(.controlSocket),
            controlGroup: try optionalText(.controlGroup),
            opsBind: try opsBind(merged[.opsBind]),
            shutdownDelay: try merged[.shutdownDelay].map { entry throws(ConfigurationError) in
                try ValueParser.duration(entry, "shutdown_delay", limit: 3600)
            } ?? .zero,
            cpuFromRequest: cpuFromRequest,
            followCPULimit: try merged[.followCPULimit].map { entry throws(ConfigurationError) in
                try ValueParser.boolean(entry, "follow_cpu_limit")
            } ?? false,
            pageOutCode: try merged[.pageOutCode].map { entry throws(ConfigurationError) in
                try ValueParser.boolean(entry, "page_out_code")
            } ?? true,
            cpuBudget: cpuBudget,
            appMetrics: try merged[.appMetrics].map { entry throws(ConfigurationError) in
                try ValueParser.boolean(entry, "app_metrics")
            } ?? true,
            prestart: try optionalText(.prestart) ?? "prestart.sh",
            file: inputs.file?.path ?? inputs.python?.path,
            reload: reload,
            reloadFilter: reloadFilter,
            sources: sources,
            warnings: warnings + pools.compactMap(Self.unusedBindWarning),
            seed: SeedSummary(
                host: seedInputs.host,
                port: seedInputs.port,
                workersPerCore: workersPerCore,
                maxWorkers: maxWorkers,
                logLevel: seedInputs.logLevel
            ),
            notices: notices,
            backlog: try merged[.backlog].map { entry throws(ConfigurationError) in
                try ValueParser.integer(entry, "backlog", range: 1...65535)
            } ?? 2048,
            reusePort: try merged[.reusePort].map { entry throws(ConfigurationError) in
                try ValueParser.boolean(entry, "reuse_port")
            } ?? false,
            umask: try merged[.umask].map { entry throws(ConfigurationError) in try ValueParser.octal(entry, "umask") },
            gunicorn: gunicorn,
            gunicornSettings: GunicornView.settings(
                merged: merged,
                pools: pools,
                logLevel: logLevel,
                errorLog: errorLog
            )
        )
    }

    /// One warning for a command pool that binds sockets its command never names: unless the program
    /// reads `LISTEN_FDS` itself, nobody accepts there, and its workers are never seen ready.
    static func unusedBindWarning(_ pool: PoolConfiguration) -> String? {
        guard case .command(let arguments) = pool.kind, !pool.binds.isEmpty, pool.readiness == .observed,
            !arguments.contains(where: { !CommandTemplate.placeholders(in: $0).isEmpty })
        else { return nil }
        let binds = pool.binds.map(\.description).joined(separator: ", ")
        return "pool \(pool.name) binds \(binds) but its command names no {fd}: unless it reads LISTEN_FDS, "
            + "nobody accepts there and its workers are never ready (wait_ready = false if that is meant)"
    }

    /// `ops_bind`: a TCP address or `unix:PATH`, without a name.
    private static func opsBind(_ entry: Entry?) throws(ConfigurationError) -> BindAddress? {
        guard let entry else { return nil }
        let text = try ValueParser.text(entry, "ops_bind")
        let culprit = entry.source.culprit("ops_bind")
        let address: BindAddress
        do {
            address = try BindAddress(parsing: text)
        } catch {
            throw ConfigurationError("\(culprit): \(error.message)")
        }
        switch address.endpoint {
        case .tcp, .unix:
            guard address.name == nil else { break }
            return address
        case .inherited: break
        }
        throw ConfigurationError("\(culprit): '\(text)' is not HOST:PORT or unix:PATH")
    }

    private static func logLevel(_ entry: Entry?) throws(ConfigurationError) -> LogLevel {
        guard let entry else { return .info }
        let text = try ValueParser.text(entry, "log_level").lowercased()
        let aliases = ["warn": LogLevel.warning, "fatal": .critical]
        guard let level = LogLevel(rawValue: text) ?? aliases[text] else {
            throw ConfigurationError(
                "\(entry.source.culprit("log_level")): '\(text)' is not one of critical, error, warning, info, debug, trace"
            )
        }
        return level
    }

    private static func logFormat(_ entry: Entry?) throws(ConfigurationError) -> LogFormat {
        guard let entry else { return .text }
        let text = try ValueParser.text(entry, "log_format")
        guard let format = LogFormat(rawValue: text.lowercased()) else {
            throw ConfigurationError("\(entry.source.culprit("log_format")): '\(text)' is not text or json")
        }
        return format
    }
}
