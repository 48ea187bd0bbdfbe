//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// droverd's validated configuration, with where each value came from.
public struct Configuration: Sendable {
    /// The instance name (`--name`), used in default paths.
    public var name: String
    /// The pools, in order; the first is the one TTIN/TTOU scale.
    public var pools: [PoolConfiguration]
    /// droverd's log level (the workers get it too).
    public var logLevel: LogLevel
    /// Text or JSON log lines.
    public var logFormat: LogFormat
    /// Where droverd's log and the workers' stderr go.
    public var errorLog: LogTarget
    /// The directory droverd changes to before anything else, if any.
    public var directory: String?
    /// The pid file droverd writes, if any.
    public var pidFile: String?
    /// The control socket path given by `--control-socket`, if any.
    public var controlSocket: String?
    /// A group whose members may use the control socket, if any.
    public var controlGroup: String?
    /// `ops_bind`: where the ops HTTP listener (`/livez`, `/readyz`, `/status`, `/metrics`) listens, if anywhere.
    public var opsBind: BindAddress?
    /// `shutdown_delay`: how long a stop request leaves the workers serving, droverd not ready,
    /// before the graceful stop (load balancers catch up meanwhile); zero stops at once.
    public var shutdownDelay: Duration
    /// `cpu_from_request`: without a quota, size automatic pools for the CPU request the cgroup's
    /// `cpu.weight` (v2) or `cpu.shares` (v1) gives.
    public var cpuFromRequest: Bool
    /// `follow_cpu_limit`: re-read the CPU budget periodically and resize automatic pools when it changes.
    public var followCPULimit: Bool
    /// `page_out_code`: once the pools are up, page out the code droverd and the templates ran
    /// only while starting.
    public var pageOutCode: Bool
    /// The CPU budget automatic pools were sized for, and the rule that decided it.
    public var cpuBudget: CPUBudgetDecision
    /// `app_metrics`: whether droverd owns the app's `prometheus_client` multiprocess directories
    /// (makes or clears them, folds dead workers' files, serves the merged metrics on `/metrics`).
    public var appMetrics: Bool
    /// The prestart script (sourced before start-up).
    public var prestart: String
    /// The configuration file that was read, if any.
    public var file: String?
    /// Development mode: restart the workers when the app's files change.
    public var reload: Bool
    /// Which files count in development mode.
    public var reloadFilter: ReloadFilter
    /// Where each value came from, by key: `default`, `flag:--workers`, `env:WEB_CONCURRENCY`,
    /// `file:drover.toml:3`, …
    public var sources: [String: String]
    /// Things worth a warning at start-up (e.g. a Gunicorn variable Drover does not use).
    public var warnings: [String]
    /// The seed image's inputs, for its one-line JSON at start-up.
    public var seed: SeedSummary
    /// Things worth an info line at start-up (a Gunicorn setting Drover has no use for).
    public var notices: [String]
    /// The listening sockets' backlog.
    public var backlog: Int
    /// Whether the listening sockets get SO_REUSEPORT.
    public var reusePort: Bool
    /// The umask Unix sockets are created with (Gunicorn's `umask`), if set.
    public var umask: Int?
    /// The Gunicorn configuration file (Python) in use, if any; it prints its own start-up line.
    public var gunicorn: GunicornConfiguration?
    /// Every setting Gunicorn has a name for, with its effective value, in Gunicorn's names
    /// (the `cfg` of hooks, and the configuration droverd logs at debug level).
    public var gunicornSettings: [(String, JSONValue)]

    public init(
        name: String,
        pools: [PoolConfiguration],
        logLevel: LogLevel,
        logFormat: LogFormat = .text,
        errorLog: LogTarget = .standard,
        directory: String? = nil,
        pidFile: String? = nil,
        controlSocket: String? = nil,
        controlGroup: String? = nil,
        opsBind: BindAddress? = nil,
        shutdownDelay: Duration = .zero,
        cpuFromRequest: Bool = false,
        followCPULimit: Bool = false,
        pageOutCode: Bool = true,
        cpuBudget: CPUBudgetDecision = CPUBudgetDecision(cpus: 1, rule: .host, detail: "1 online CPU"),
        appMetrics: Bool = true,
        prestart: String = "prestart.sh",
        file: String? = nil,
        reload: Bool = false,
        reloadFilter: ReloadFilter = ReloadFilter(),
        sources: [String: String] = [:],
        warnings: [String] = [],
        seed: SeedSummary = SeedSummary(),
        notices: [String] = [],
        backlog: Int = 2048,
        reusePort: Bool = false,
        umask: Int? = nil,
        gunicorn: GunicornConfiguration? = nil,
        gunicornSettings: [(String, JSONValue)] = []
    ) {
        self.name = name
        self.pools = pools
        self.logLevel = logLevel
        self.logFormat = logFormat
        self.errorLog = errorLog
        self.directory = directory
        self.pidFile = pidFile
        self.controlSocket = controlSocket
        self.controlGroup = controlGroup
        self.opsBind = opsBind
        self.shutdownDelay = shutdownDelay
        self.cpuFromRequest = cpuFromRequest
        self.followCPULimit = followCPULimit
        self.pageOutCode = pageOutCode
        self.cpuBudget = cpuBudget
        self.appMetrics = appMetrics
        self.prestart = prestart
        self.file = file
        self.reload = reload
        self.reloadFilter = reloadFilter
        self.sources = sources
        self.warnings = warnings
        self.seed = seed
        self.notices = notices
        self.backlog = backlog
        self.reusePort = reusePort
        self.umask = umask
        self.gunicorn = gunicorn
        self.gunicornSettings = gunicornSettings
    }
}

/// The seed image's own inputs that its start-up JSON line reports as given.
public struct SeedSummary: Hashable, Sendable {
    /// `HOST`, as given (default `0.0.0.0`).
    public var host: String
    /// `PORT`, as given (default `80`), a string as in the seed.
    public var port: String
    /// `WORKERS_PER_CORE` (default 1.0).
    public var workersPerCore: Double
    /// `MAX_WORKERS` as a number, if set.
    public var maxWorkers: Int?
    /// `LOG_LEVEL` as given (default `info`): the seed prints it, whatever overrides it.
    public var logLevel: String

    public init(
        host: String = "0.0.0.0",
        port: String = "80",
        workersPerCore: Double = 1,
        maxWorkers: Int? = nil,
        logLevel: String = "info"
    ) {
        self.host = host
        self.port = port
        self.workersPerCore = workersPerCore
        self.maxWorkers = maxWorkers
        self.logLevel = logLevel
    }
}

/// How much droverd logs.
public enum LogLevel: String, Hashable, Sendable, CaseIterable, Comparable {
    case trace
    case debug
    case info
    case warning
    case error
    case critical

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
