//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

@preconcurrency import Dispatch
import DroverConfiguration
import DroverCore
import DroverShared
import Glibc
import Logging
import NIOCore

/// droverd's shell around the supervision core: the POSIX ``SupervisorEffects`` of its
/// ``SupervisorDriver``. It is bound to one NIO event loop, which is also the thread that spawns
/// workers, so `PR_SET_PDEATHSIG` holds for droverd's life.
///
/// Signals, notifications and worker output arrive through Dispatch sources and hop onto the
/// loop (``onLoop(_:)``); timers are the loop's scheduled tasks. Every method runs on the loop:
/// that, not a lock, is what makes the unchecked `Sendable` true.
final class Daemon: SupervisorEffects, @unchecked Sendable {
    let loop: any EventLoop

    let loader: ConfigurationLoader
    var configuration: Configuration
    let errorLog: LogSink
    /// The event pump over the core; this daemon is its effects.
    private(set) lazy var driver = SupervisorDriver(
        supervisor: Supervisor(pools: configuration.pools, shutdownDelay: configuration.shutdownDelay),
        effects: self
    )
    /// The core's state, for reading.
    var supervisor: Supervisor { driver.supervisor }
    let listeners = ListenerSet()
    private let notify: NotifyListener
    let spawner: WorkerSpawner
    var processes: [WorkerID: WorkerProcess] = [:]
    var workerIDsByPID: [Int32: WorkerID] = [:]
    var timer: Scheduled<Void>?
    /// Readiness by observation (Daemon+Readiness): the next look at starting workers, if one is due.
    var readinessPoll: Scheduled<Void>?
    private let exitCode: EventLoopPromise<Int32>
    var logger: Logger
    let systemd = SystemdNotifier()
    private let inheritedSockets: [InheritedSocket]
    /// droverd's parts this daemon starts (listeners, watchdog, notify listener, file watcher, the
    /// driver's timers): undone in reverse order when it finishes, once.
    let parts = Teardown()
    /// Development mode: the app directory's watcher (the core debounces what it sees).
    var fileWatcher: FileWatcher?
    /// `memory_pressure` (Daemon+MemoryPressure): the kernel's signal, and its watch on the I/O queue.
    var pressureWatch: MemoryPressureWatch?
    var pressureReadWatch: ReadWatch?
    var pressureRecheck: Scheduled<Void>?
    let ioQueue = DispatchQueue(label: "drover.io")
    /// Where `/metrics` reads what is too slow for the loop: the workers' PSS (Daemon+Ops).
    let scrapeQueue = DispatchQueue(label: "drover.scrape")
    /// `follow_cpu_limit` (Daemon+CPUBudget): the periodic re-read, only while it is on.
    var cpuRecheck: RepeatedTask?
    /// Control-socket clients, by id.
    var controlClients: [UInt64: ControlClient] = [:]
    var nextClientID: UInt64 = 0
    /// Gunicorn's master-side hooks, if the configuration file defines any.
    let hooks: HookRunner?
    /// Workers spawned so far (Gunicorn's `worker.age`).
    var spawnCount = 0
    var ages: [Int32: Int] = [:]
    /// What `/metrics` counts (Daemon+Ops).
    var metrics = DaemonMetrics()
    /// The fork-mode pools' templates: the decisions (Daemon+Templates)…
    var templates = TemplateTable()
    /// …and the processes, by template and by pid (a stopped template stays in the second until reaped).
    var templateProcesses: [TemplateKey: TemplateProcess] = [:]
    var templatePIDs: [Int32: TemplateKey] = [:]
    /// The OOM killer's count, looked at when a worker dies by SIGKILL.
    var oomKills = OOMKillCounter()
    /// The app's multiprocess metrics (`app_metrics`), from ``start(control:ops:)`` on.
    var appMetrics: AppMetrics?

    /// What droverd keeps of a running worker.
    struct WorkerProcess {
        let pid: Int32
        let heartbeat: HeartbeatPage?
        let output: OutputPipe
        let probeAddress: String?
    }

    init(
        loop: any EventLoop,
        loader: ConfigurationLoader,
        configuration: Configuration,
        notify: NotifyListener,
        errorLog: LogSink,
        inheritedSockets: [InheritedSocket],
        fileLimit: UInt,
        hooks: HookRunner? = nil
    ) {
        self.hooks = hooks
        self.loop = loop
        self.inheritedSockets = inheritedSockets
        self.loader = loader
        self.configuration = configuration
        self.errorLog = errorLog
        self.notify = notify
        self.spawner = WorkerSpawner(
            environment: Self.workerEnvironment(loader.environment, reload: configuration.reload),
            notifyAddress: notify.address,
            fileLimit: fileLimit,
            errorLog: errorLog,
            logFormat: configuration.logFormat
        )
        self.exitCode = loop.makePromise(of: Int32.self)
        self.logger = Self.makeLogger(configuration, sink: errorLog)
    }

    /// Completes with droverd's exit status once every worker is gone.
    var exitStatus: EventLoopFuture<Int32> { exitCode.futureResult }

    /// droverd's logger: its level (warnings at least when the error log is turned off), format and sink.
    static func makeLogger(_ configuration: Configuration, sink: LogSink) -> Logger {
        var level = configuration.logLevel
        if configuration.errorLog == .disabled { level = max(level, .warning) }
        let format = configuration.logFormat
        let journal = !sink.isFile && DaemonLogHandler.standardErrorIsJournal
        return Logger(label: "droverd") { _ in
            DaemonLogHandler(level: Logger.Level(level), format: format, sink: sink, journal: journal)
        }
    }

    // MARK: - Inputs

    /// Binds the sockets, starts listening for notifications, and starts every pool.
    func start(control: ControlServer?, ops: OpsServer? = nil) {
        if let control { logger.info("Control socket: \(control.path)") }
        if let ops { logger.info("Ops listener: \(ops.display) (/livez, /readyz, /status, /metrics)") }
        if configuration.appMetrics {
            let metrics = AppMetrics(
                environment: spawner.baseEnvironment,
                runtimeDirectory: control.flatMap { AppMetrics.directory(containing: $0.path) },
                name: configuration.name,
                logger: logger
            )
            appMetrics = metrics
            parts.add("app metrics") { metrics.close() }
        }
        parts.add("listeners") { [listeners] in listeners.closeAll() }
        listeners.adopt(inheritedSockets)
        listeners.backlog = Int32(configuration.backlog)
        listeners.reusePort = configuration.reusePort
        if let umask = configuration.umask { listeners.unixSocketMode = mode_t(0o777 & ~umask) }
        for socket in inheritedSockets {
            logger.info("Listening at: fd://\(socket.name), fd \(socket.fd) from systemd (\(getpid()))")
        }
        do {
            for listener in try listeners.prepare(configuration.pools.flatMap(\.binds)) {
                logger.info("Listening at: \(listener.display) (\(getpid()))")
            }
        } catch {
            logger.critical("\(error)")
            systemd.fail(errno: error.code)
            finish(1)
            return
        }
        runHook("when_ready")
        if let interval = systemd.watchdogInterval {
            // Pinged from the event loop itself: a stuck loop stops the pings, and systemd acts.
            let watchdog = loop.scheduleRepeatedTask(initialDelay: .zero, delay: interval) { [self] _ in
                self.systemd.watchdogPing()
            }
            parts.add("watchdog") { watchdog.cancel() }
        }
        notify.watch(on: ioQueue) { [self] in
            self.onLoop { $0.notificationsArrived() }
        }
        parts.add("notify listener") { [notify] in notify.stop() }
        for warning in configuration.warnings { logger.warning("\(warning)") }
        for notice in configuration.notices { logger.info("\(notice)") }
        logger.info("Starting droverd \(droverVersion): \(configuration.pools.map(describe).joined(separator: "; "))")
        if let file = configuration.file { logger.info("Configuration file: \(file)") }
        for pool in configuration.pools { logger.info("Using worker: \(Self.workerName(pool))") }
        if configuration.reload {
            // What the seed's start-reload.sh (uvicorn --reload) prints, for those who wait for it.
            for listener in listeners.listeners where listener.display.hasPrefix("http") {
                logger.info("Uvicorn running on \(listener.display) (Press CTRL+C to quit)")
            }
            watchAppDirectory()
        }
        // Written only at debug level (the message is an autoclosure).
        logger.debug(
            "Current configuration:\n\(configuration.gunicornSettings.map { "  \($0): \(Self.pythonText($1))" }.joined(separator: "\n"))"
        )
        logger.debug("Configuration: \(configuration.report.compact)")
        logger.info("CPU budget: \(configuration.cpuBudget.description)")
        watchMemoryPressureIfWanted()
        followCPUBudgetIfWanted()
        parts.add("templates") { [self] in stopTemplates() }
        parts.add("driver") { [self] in
            timer?.cancel()
            readinessPoll?.cancel()
        }
        feed(.start)
    }

    private func describe(_ pool: PoolConfiguration) -> String {
        let what: String
        switch pool.kind {
        case .uvicorn(let options): what = "uvicorn \(options.app)"
        case .command(let arguments): what = arguments.joined(separator: " ")
        }
        return "pool \(pool.name): \(pool.workers) x \(what)"
    }

    func signal(_ signal: Signal) {
        switch signal {
        case .child: reapChildren()
        default:
            guard let command = Command(signal: signal) else { return logger.info("Ignoring \(signal)") }
            feed(.command(command, from: .signal))
        }
    }

    private func notificationsArrived() {
        receiveNotifications()
        notify.resume()
    }

    private func receiveNotifications() {
        for (pid, message) in notify.receive() { feed(.notified(pid: pid, message)) }
    }

    /// A worker's (or, with no id, a template's) stderr is readable: its lines go to the error log,
    /// and a worker's last ones to the core.
    func outputArrived(_ id: WorkerID?, _ output: OutputPipe) {
        guard output.isClosed || errorLog.hasRoom else {
            // The error log's reader is behind: the output waits in the worker's pipe (the
            // worker blocks on it, droverd does not), and droverd looks again shortly.
            loop.scheduleTask(in: .milliseconds(20)) { [self] in
                self.outputArrived(id, output)
            }
            return
        }
        defer { output.resume() }
        guard !output.isClosed else { return }
        let (lines, ended) = output.drain()
        if let id, !lines.isEmpty { feed(.output(id, lines: Array(lines.suffix(supervisor.policy.tailLines)))) }
        if ended { output.close() }
    }

    private func reapChildren() {
        receiveNotifications()  // what a worker said before it exited (a load failure, READY=1) comes first
        var status: Int32 = 0
        while true {
            let pid = waitpid(-1, &status, WNOHANG)
            if pid > 0 {
                appMetrics?.processExited(pid)  // its live gauges go before anyone hears of its exit
                if templatePIDs[pid] != nil {
                    templateExited(pid: pid, status: ExitStatus(waitStatus: status))
                    continue
                }
                if pid == hooks?.pid {
                    logger.error(
                        "The hook runner exited (\(ExitStatus(waitStatus: status))); Gunicorn's hooks no longer run"
                    )
                    continue
                }
                if let id = workerIDsByPID[pid], let process = processes[id] {
                    // Read what it wrote last (a traceback, often) before the core hears of its exit.
                    let (lines, _) = process.output.drain(limit: 1 << 20)
                    if !lines.isEmpty { feed(.output(id, lines: Array(lines.suffix(supervisor.policy.tailLines)))) }
                }
                var exit = ExitStatus(waitStatus: status)
                if exit.signal == .kill, workerIDsByPID[pid] != nil, oomKills.struck() { exit = .outOfMemory }
                feed(.exited(pid: pid, status: exit))
            } else if pid < 0 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }

    func timerFired() {
        timer = nil
        // Datagrams that queued up while droverd was not running (e.g. stopped) count first.
        receiveNotifications()
        driver.timerFired()
    }

    /// Runs `body` on the loop (from a Dispatch source, a signal, another thread).
    func onLoop(_ body: @escaping @Sendable (Daemon) -> Void) {
        loop.execute { body(self) }
    }

    // MARK: - The core

    /// Hands an event to the core and carries out what it says, including the events that causes.
    func feed(_ event: SupervisorEvent) {
        loop.assertInEventLoop()
        driver.feed(event)
    }
}

extension Daemon {
    func reloadConfiguration() -> Result<[PoolConfiguration], ConfigurationError> {
        do {
            let loaded = try loader.load()
            for listener in try listeners.prepare(loaded.pools.flatMap(\.binds)) {
                logger.info("Listening at: \(listener.display) (\(getpid()))")
            }
            if loaded.gunicorn == nil { writeOut(StartupLine.json(loaded) + "\n") }
            if loaded.gunicorn?.path == configuration.gunicorn?.path, let hooks {
                let logger = self.logger
                hooks.reload { reason in logger.error("Reloading the hooks failed: \(reason)") }
            }
            for warning in loaded.warnings { logger.warning("\(warning)") }
            let fixed = configuration.restartOnlyChanges(to: loaded)
            if !fixed.isEmpty {
                logger.warning("Reload: \(fixed.joined(separator: ", ")) changed; that takes a restart of droverd")
            }
            var effective = loaded
            effective.errorLog = configuration.errorLog
            effective.logFormat = configuration.logFormat
            configuration = effective
            logger = Self.makeLogger(effective, sink: errorLog)
            watchMemoryPressureIfWanted()
            followCPUBudgetIfWanted()
            runHook("on_reload")
            return .success(loaded.pools)
        } catch let error as ConfigurationError {
            return .failure(error)
        } catch {
            return .failure(ConfigurationError("\(error)"))
        }
    }

    /// Gives up on a daemon that was never started (droverd's start failed before it ran): its
    /// exit status is `status`, and nothing of it is left waiting.
    func abandon(status: Int32) {
        exitCode.succeed(status)
    }

    func finish(_ code: Int32) {
        runHook("on_exit")
        parts.run()
        // The control socket, the ops listener, the hook runner and the pid file close in
        // DaemonProcess's teardown, after this (they started before the daemon).
        if code == 0 { logger.info("Stopped") }
        exitCode.succeed(code)
    }
}

extension Logger.Level {
    init(_ level: LogLevel) {
        switch level {
        case .trace: self = .trace
        case .debug: self = .debug
        case .info: self = .info
        case .warning: self = .warning
        case .error: self = .error
        case .critical: self = .critical
        }
    }
}
