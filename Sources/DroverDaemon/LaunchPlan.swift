//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared

/// What a worker is started with, worked out from its spawn order alone: the program and its
/// arguments, its environment, and the names of the fds it inherits. Pure (no syscalls); the
/// ``WorkerSpawner`` makes the fds, looks the program up in `PATH` and starts it.
///
/// The fds, from 3 up: the pool's sockets in bind order, the `ready_probe` socket if any (named
/// `probe`), then the heartbeat page (not a socket, so not counted in `LISTEN_FDS`).
struct LaunchPlan: Equatable {
    /// The program as written (the first argument); the spawner finds it in `PATH`.
    var program: String
    /// The arguments, the first being the program as written.
    var arguments: [String]
    /// The environment, in order: droverd's (without systemd's variables), the pool's `env`, then Drover's.
    var environment: [(name: String, value: String)]
    /// Variables the spawn shim completes with the child's own pid (as systemd does): `LISTEN_PID`,
    /// and `WATCHDOG_PID` when the heartbeat is `WATCHDOG=1` pings.
    var pidVariables: [String]
    /// `LISTEN_FDNAMES`: the sockets' names, in fd order.
    var fdNames: [String]
    /// Whether the worker gets a heartbeat page after its sockets.
    var heartbeatPage: Bool

    /// The plan for `order`: `sockets` is how many listening sockets its pool's binds have,
    /// `maxRequestsJitter` the jitter drawn for this worker's `max_requests` (0 for none), and
    /// `metricsDirectory` the `PROMETHEUS_MULTIPROC_DIR` droverd made for its pool, if any.
    init(
        order: SpawnOrder,
        baseEnvironment: [(String, String)],
        notifyAddress: String,
        sockets: Int,
        maxRequestsJitter: Int = 0,
        metricsDirectory: String? = nil
    ) {
        let configuration = order.configuration
        (program, arguments) = Self.command(
            for: configuration,
            budget: order.launcherBudget,
            maxRequestsJitter: maxRequestsJitter
        )
        heartbeatPage = configuration.usesHeartbeatPage
        let probe = configuration.readyProbe != nil
        fdNames = configuration.binds.enumerated().map { $1.name ?? "bind\($0)" }
        if probe { fdNames.append(CommandTemplate.probeName) }
        let passed = sockets + (probe ? 1 : 0)
        environment = baseEnvironment.filter { name, _ in !configuration.environment.contains { $0.name == name } }
            .map { (name: $0, value: $1) }
        environment += configuration.environment.map { (name: $0.name, value: $0.value) }
        environment += [
            ("DROVER_POOL", configuration.name),
            ("DROVER_WORKER_INDEX", String(order.slot)),
            ("DROVER_GENERATION", String(order.generation)),
            ("LISTEN_FDS", String(passed)),
            ("LISTEN_FDNAMES", fdNames.joined(separator: ":")),
            ("NOTIFY_SOCKET", notifyAddress),
        ]
        if let metricsDirectory {
            let names = [AppMetricsPlan.variable, AppMetricsPlan.deprecatedVariable]
            environment.removeAll { names.contains($0.name) }  // set but empty: droverd's instead
            environment.append((AppMetricsPlan.variable, metricsDirectory))
        }
        pidVariables = ["LISTEN_PID"]
        if heartbeatPage {
            environment.append(("DROVER_HEARTBEAT_FD", String(3 + passed)))
        } else if let timeout = configuration.heartbeatTimeout {
            environment.append(("WATCHDOG_USEC", String(timeout.nanoseconds / 1000)))
            pidVariables.append("WATCHDOG_PID")
        }
    }

    /// `NAME=value` entries for `execve`, the pid variables last (as `NAME=`, for the shim to complete).
    var environmentEntries: [String] {
        environment.map { "\($0.name)=\($0.value)" } + pidVariables.map { "\($0)=" }
    }

    /// The template's environment, `NAME=value` (`LISTEN_PID=` last, for the shim to complete):
    /// the workers' without what is each worker's own (its index, heartbeat, probe socket), and
    /// `DROVER_TEMPLATE_FD`, its socket to droverd, right after the pool's `sockets` (which makes the
    /// launcher a template: its arguments are a worker's, so `ps` shows forked workers as workers).
    func templateEnvironmentEntries(sockets: Int) -> [String] {
        let own: Set<String> = [
            "DROVER_WORKER_INDEX", "DROVER_HEARTBEAT_FD", "WATCHDOG_USEC", "LISTEN_FDS", "LISTEN_FDNAMES",
        ]
        let names = fdNames.prefix(sockets).joined(separator: ":")
        return environment.filter { !own.contains($0.name) }.map { "\($0.name)=\($0.value)" } + [
            "LISTEN_FDS=\(sockets)", "LISTEN_FDNAMES=\(names)", "DROVER_TEMPLATE_FD=\(3 + sockets)", "LISTEN_PID=",
        ]
    }

    /// Where the pid variables are in ``environmentEntries``.
    var pidVariableIndices: [Int] {
        (0..<pidVariables.count).map { environment.count + $0 }
    }

    static func == (lhs: LaunchPlan, rhs: LaunchPlan) -> Bool {
        lhs.program == rhs.program && lhs.arguments == rhs.arguments
            && lhs.environmentEntries == rhs.environmentEntries && lhs.fdNames == rhs.fdNames
            && lhs.heartbeatPage == rhs.heartbeatPage
    }

    /// The program and its arguments (the first argument is the program as written).
    static func command(
        for configuration: PoolConfiguration,
        budget: LauncherBudget,
        maxRequestsJitter: Int
    ) -> (String, [String]) {
        switch configuration.kind {
        case .command(let arguments):
            let probe = configuration.readyProbe != nil
            let expanded = arguments.map { CommandTemplate.expand($0, binds: configuration.binds, probe: probe) }
            return (expanded[0], expanded)
        case .uvicorn(let options):
            // The core's split of the graceful timeout: the launcher is done before the kill deadline.
            var arguments = [
                options.launcher,
                "--log-level", options.logLevel,
                "--log-format", options.logFormat.rawValue,
                "--access-logfile", options.accessLog.description,
                "--keep-alive", format(options.keepAlive),
                "--idle-grace", format(budget.idleGrace.seconds),
                "--graceful-timeout", format(budget.graceful.seconds),
            ]
            if options.http != .auto { arguments += ["--http", options.http.rawValue] }
            if let certificate = options.certificate {
                arguments += ["--ssl-certfile", certificate.certificate, "--ssl-keyfile", certificate.key]
            }
            if let timeout = configuration.requestTimeout {
                arguments += ["--request-timeout", format(timeout.seconds)]
            }
            if let maxRequests = options.maxRequests {
                arguments += ["--limit-max-requests", String(maxRequests + maxRequestsJitter)]
            }
            arguments += options.launcherArguments
            if options.factory { arguments.append("--factory") }
            if options.preload { arguments.append("--preload") }
            arguments.append(options.app)
            return (options.launcher, arguments)
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
