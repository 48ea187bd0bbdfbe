//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDroverShim
@preconcurrency import Dispatch
import DroverConfiguration
import DroverShared
import Glibc
import NIOCore
import NIOPosix

/// One run of droverd, from its parsed command line to its exit status: takes systemd's sockets,
/// resolves the configuration, runs the prestart script and the master-side hooks, then starts
/// droverd's parts in order and runs the ``Daemon`` until it is done.
public struct DaemonProcess {
    let options: DaemonOptions

    /// A run with these options (`--help` and `--version` are the executable's to answer).
    public init(options: DaemonOptions) {
        self.options = options
    }

    /// Runs droverd and returns its exit status; throws ``DroverdExit`` for the ways out before
    /// the pools start (a bad configuration, a failed prestart script, a live control socket).
    public func run() throws -> Int32 {
        // Sockets from systemd first: taking them removes LISTEN_* from droverd's environment.
        let inherited = InheritedSocket.take()
        var environment = ProcessEnvironment.current()
        let original = Dictionary(environment, uniquingKeysWith: { _, last in last })
        let failureStatus: DroverdExitStatus = options.checkConfig ? .couldNotRun : .configuration
        func fail(_ message: String, status: DroverdExitStatus? = nil) -> DroverdExit {
            writeError("droverd: \(message)\n")
            return DroverdExit(status ?? failureStatus)
        }

        // Where things are: the app directory, and a configuration file named by -c or DROVER_CONF.
        let locations: ConfigurationResolver.Locations
        do {
            locations = try ConfigurationResolver.locations(options: options, environment: original)
        } catch {
            throw fail(error.message)
        }
        var explicitFile = locations.explicitFile
        if let file = explicitFile, !file.path.hasPrefix("/") {
            explicitFile = (currentDirectory() + "/" + file.path, file.by)
        }
        if let directory = locations.directory, chdir(directory) != 0 {
            throw fail("--chdir: \(directory): \(errnoText())")
        }
        var loader = ConfigurationLoader(
            options: options,
            environment: environment,
            explicitFile: explicitFile,
            inheritedSockets: inherited.map(\.name)
        )

        if options.checkConfig {
            loader.configurationOutput = 2
            do {
                let configuration = try loader.load()
                writeOut(configuration.report.compact + "\n")
                for warning in configuration.warnings { writeError("droverd: warning: \(warning)\n") }
                throw DroverdExit(.stopped)
            } catch let error as ConfigurationError {
                throw fail(error.message)
            }
        }

        // The prestart script is sourced before the workers start; what it exports counts. The
        // configuration is checked first (a bad value must not run the migrations, then stop), and
        // the first pool's `env` (drover.toml's) is in the script's environment.
        do {
            let (file, _) = try loader.readFile(python: false)
            let inputs = loader.inputs(file: file)
            // (A Gunicorn file is executed, and so checked, only after the script, as in the seed.)
            let early = loader.usesPythonFile ? nil : try ConfigurationResolver.resolveBeforePrestart(inputs)
            let prestart = try ConfigurationResolver.prestart(inputs)
            let poolEnvironment = early?.pools.first?.environment.map { ($0.name, $0.value) } ?? []
            environment = try Prestart.withPoolEnvironment(poolEnvironment, around: environment) {
                given throws(Prestart.Failure) in
                try Prestart.run(prestart, environment: given)
            }
        } catch let error as ConfigurationError {
            throw fail(error.message)
        } catch let failure as Prestart.Failure {
            throw DroverdExit(failure.status)
        }
        loader.environment = environment

        let configuration: Configuration
        let errorLog: LogSink
        do {
            configuration = try loader.load()
            errorLog = try LogSink(configuration.errorLog)
        } catch {
            throw fail(error.message)
        }
        // A Gunicorn configuration file printed what it prints (the seed's prints this line).
        if configuration.gunicorn == nil { writeOut(StartupLine.json(configuration) + "\n") }

        // The control socket's place first: a live one means another droverd runs here.
        let controlPath =
            configuration.controlSocket
            ?? ControlSocketPath.defaultPath(
                name: configuration.name,
                environment: loader.environmentDictionary,
                uid: geteuid()
            )
        let controlGroup: gid_t?
        do {
            controlGroup = try ControlServer.prepare(controlPath, group: configuration.controlGroup)
        } catch {
            throw fail(error.description, status: .couldNotRun)
        }

        // From here on every part is undone on every way out, in reverse order, once.
        let teardown = Teardown()
        defer { teardown.run() }  // the ways out that throw
        teardown.add("error log") { errorLog.flush() }
        if let pidFile = configuration.pidFile.map({ PIDFile(path: $0) }) {
            do {
                try pidFile.write()
            } catch {
                throw fail(error.description, status: .couldNotRun)
            }
            teardown.add("pid file") { pidFile.remove() }
        }
        let fileLimit = cdrover_raise_nofile()
        if getpid() != 1 { _ = cdrover_set_child_subreaper() }

        // Gunicorn's master-side hooks: on_starting runs (and may fail start-up) before anything is bound.
        let hooks: HookRunner?
        do {
            hooks = try configuration.gunicorn.flatMap { gunicorn throws(SpawnError) in
                try HookRunner(
                    configuration: gunicorn,
                    launcher: ConfigurationResolver.launcher(
                        options: options,
                        environment: loader.environmentDictionary
                    ),
                    environment: environment
                )
            }
        } catch {
            throw fail(error.description, status: .couldNotRun)
        }
        if let hooks {
            teardown.add("hook runner") { hooks.finish(within: .seconds(10)) }
            let server = Daemon.serverArgument(configuration)
            let workers = configuration.pools.reduce(0) { $0 + $1.workers }
            for (hook, arguments) in [
                ("nworkers_changed", [server, ("new", JSONValue.int(workers)), ("old", .null)]),
                ("on_starting", [server]),
            ] {
                if case .failed(let reason) = hooks.callNow(hook, arguments) {
                    throw fail("\(hook) failed: \(reason)", status: .couldNotRun)
                }
            }
        }

        let notify: NotifyListener
        do {
            notify = try NotifyListener(address: "@drover/\(configuration.name)/\(getpid())/notify")
        } catch {
            throw fail(error.description, status: .couldNotRun)
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let daemon = Daemon(
            loop: loop,
            loader: loader,
            configuration: configuration,
            notify: notify,
            errorLog: errorLog,
            inheritedSockets: inherited,
            fileLimit: UInt(fileLimit),
            hooks: hooks
        )
        let control: ControlServer
        let ops: OpsServer?
        do throws(ListenerError) {
            control = try ControlServer(path: controlPath, group: controlGroup, loop: loop, daemon: daemon)
            teardown.add("control socket") { control.close() }
            ops = try configuration.opsBind.map { address throws(ListenerError) in
                try OpsServer(address: address, loop: loop, daemon: daemon)
            }
            if let ops { teardown.add("ops listener") { ops.close() } }
        } catch {
            errorLog.flush()  // what was logged comes before the reason for leaving
            daemon.abandon(status: DroverdExitStatus.couldNotRun.rawValue)
            throw fail(error.description, status: .couldNotRun)
        }
        teardown.add("daemon's parts") { daemon.parts.run() }  // when it never finished (done otherwise)
        daemon.onLoop { $0.start(control: control, ops: ops) }
        let signals = SignalSource(queue: DispatchQueue(label: "drover.signals")) { signal in
            daemon.onLoop { $0.signal(signal) }
        }
        let code = try daemon.exitStatus.wait()
        withExtendedLifetime(signals) {}
        teardown.run()
        return code
    }
}

private func currentDirectory() -> String {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    guard getcwd(&buffer, buffer.count) != nil else { return "." }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Ends droverd with an exit status.
public struct DroverdExit: Error {
    /// The status droverd exits with.
    public let status: Int32

    /// Ends droverd with `status` (a prestart script's own, say).
    public init(_ status: Int32) {
        self.status = status
    }

    /// Ends droverd with one of its documented statuses.
    public init(_ status: DroverdExitStatus) {
        self.status = status.rawValue
    }
}

/// Writes to droverd's standard error, all of it.
public func writeError(_ text: String) {
    writeAll(2, text)
}

/// Writes to droverd's standard output, all of it.
public func writeOut(_ text: String) {
    writeAll(1, text)
}
