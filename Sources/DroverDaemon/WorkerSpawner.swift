//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDroverShim
import DroverCore
import DroverShared
import Glibc

/// Starts worker processes: sockets at fds 3, 4, …, the heartbeat page after them,
/// systemd's `LISTEN_*` variables, droverd's own `NOTIFY_SOCKET`, stderr into a pipe.
struct WorkerSpawner {
    /// droverd's environment without what belongs to droverd alone (systemd's variables).
    let baseEnvironment: [(String, String)]
    /// The workers' `NOTIFY_SOCKET`.
    let notifyAddress: String
    /// `/dev/null`, the workers' stdin.
    let devNull: Int32
    /// The soft open-files limit droverd started with, restored in workers (droverd raises its own).
    let fileLimit: UInt
    /// Where the workers' stderr is forwarded.
    let errorLog: LogSink
    /// droverd's log format: in JSON, every line of a worker's stderr becomes a JSON object.
    let logFormat: LogFormat

    /// Variables that describe droverd's own relation to systemd; workers get their own values or none.
    static let withheld: Set<String> = [
        "NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "WATCHDOG_USEC", "WATCHDOG_PID",
    ]

    init(
        environment: [(String, String)],
        notifyAddress: String,
        fileLimit: UInt,
        errorLog: LogSink,
        logFormat: LogFormat = .text
    ) {
        self.logFormat = logFormat
        baseEnvironment = environment.filter { !Self.withheld.contains($0.0) }
        self.notifyAddress = notifyAddress
        self.fileLimit = fileLimit
        self.errorLog = errorLog
        devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
    }

    /// A started worker and what droverd keeps of it.
    struct Spawned {
        let pid: Int32
        let heartbeat: HeartbeatPage?
        let output: OutputPipe
        /// The abstract address of its own probe socket (`ready_probe`).
        let probeAddress: String?
    }

    /// Starts `order`'s worker: exec'd, or forked by `template` (the same fds, environment and
    /// arguments; the template makes the worker droverd's child). `metricsDirectory` is exported
    /// as `PROMETHEUS_MULTIPROC_DIR`.
    func spawn(
        _ order: SpawnOrder,
        sockets: [Int32],
        via template: TemplateProcess? = nil,
        metricsDirectory: String? = nil
    ) throws(SpawnError) -> Spawned {
        let configuration = order.configuration
        let plan = LaunchPlan(
            order: order,
            baseEnvironment: baseEnvironment,
            notifyAddress: notifyAddress,
            sockets: sockets.count,
            maxRequestsJitter: Self.drawJitter(configuration),
            metricsDirectory: metricsDirectory
        )
        let path = try ProgramLocator.find(plan.program, path: value(of: "PATH"))
        let heartbeat = plan.heartbeatPage ? try HeartbeatPage() : nil
        let pipeEnds = try Self.outputPipe()
        defer { close(pipeEnds.write) }

        // ready_probe: a listening socket of its own, after the binds (LISTEN_FDNAMES "probe");
        // droverd asks it, so no other worker can answer for this one.
        var probe: (address: String, fd: Int32)?
        if configuration.readyProbe != nil {
            let address = "@drover-probe-\(getpid())-\(order.worker.rawValue)-\(UInt32.random(in: 0...UInt32.max))"
            let fd = cdrover_probe_listener(address)
            guard fd >= 0 else {
                close(pipeEnds.read)
                throw SpawnError("probe socket \(address): \(errnoText(-fd))")
            }
            probe = (address, fd)
        }
        defer { if let probe { close(probe.fd) } }  // the worker holds it now
        let pid: Int32
        do throws(SpawnError) {
            if let template {
                var fds = [("stderr", pipeEnds.write)]
                if let heartbeat { fds.append(("heartbeat", heartbeat.fd)) }
                if let probe { fds.append(("probe", probe.fd)) }
                pid = try template.fork(
                    arguments: [path] + plan.arguments.dropFirst(),
                    environment: plan.environment.map { [$0.name, $0.value] } + plan.pidVariables.map { [$0, ""] },
                    fds: fds
                )
            } else {
                let passed = sockets + (probe.map { [$0.fd] } ?? [])
                pid = try exec(
                    path: path,
                    arguments: [path] + plan.arguments.dropFirst(),
                    environment: plan.environmentEntries,
                    pidIndices: plan.pidVariableIndices.map { Int32($0) },
                    fds: passed + (heartbeat.map { [$0.fd] } ?? []),
                    stderr: pipeEnds.write
                )
            }
        } catch {
            close(pipeEnds.read)
            throw error
        }
        let output = OutputPipe(fd: pipeEnds.read, sink: errorLog)
        if logFormat == .json {
            output.wrapper = WorkerLineWrapper(pool: configuration.name, slot: order.slot, pid: pid)
        }
        return Spawned(pid: pid, heartbeat: heartbeat, output: output, probeAddress: probe?.address)
    }

    /// Starts the template for `order`'s generation: the launcher with `DROVER_TEMPLATE_FD`, the pool's
    /// `sockets` at fds 3, 4, …, and its socket to droverd after them; its workers' `metricsDirectory`.
    func startTemplate(
        _ order: SpawnOrder,
        sockets: [Int32],
        metricsDirectory: String? = nil
    ) throws(SpawnError) -> TemplateProcess {
        let plan = LaunchPlan(
            order: order,
            baseEnvironment: baseEnvironment,
            notifyAddress: notifyAddress,
            sockets: sockets.count,
            metricsDirectory: metricsDirectory
        )
        let path = try ProgramLocator.find(plan.program, path: value(of: "PATH"))
        var ends: [Int32] = [0, 0]
        let failure = cdrover_template_socketpair(&ends)
        guard failure == 0 else { throw SpawnError("template socket: \(errnoText(-failure))") }
        defer { close(ends[1]) }
        let pipeEnds: (read: Int32, write: Int32)
        do throws(SpawnError) {
            pipeEnds = try Self.outputPipe()
        } catch {
            close(ends[0])
            throw error
        }
        defer { close(pipeEnds.write) }
        let environment = plan.templateEnvironmentEntries(sockets: sockets.count)
        let pid: Int32
        do throws(SpawnError) {
            pid = try exec(
                path: path,
                arguments: [path] + plan.arguments.dropFirst(),
                environment: environment,
                pidIndices: [Int32(environment.count - 1)],
                fds: sockets + [ends[1]],
                stderr: pipeEnds.write
            )
        } catch {
            close(ends[0])
            close(pipeEnds.read)
            throw error
        }
        let output = OutputPipe(fd: pipeEnds.read, sink: errorLog)
        if logFormat == .json {
            output.wrapper = WorkerLineWrapper(pool: order.configuration.name, slot: order.slot, pid: pid)
        }
        return TemplateProcess(key: TemplateKey(order), pid: pid, socket: ends[0], output: output)
    }

    /// A pipe for a child's stderr, both ends close-on-exec, the read end non-blocking.
    private static func outputPipe() throws(SpawnError) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        // Spawning happens on this thread only, so the fds cannot leak before FD_CLOEXEC is set.
        guard pipe(&ends) == 0 else { throw SpawnError("stderr pipe: \(errnoText())") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
        return (ends[0], ends[1])
    }

    /// vfork + exec through the shim: `fds` at 3, 4, …, stdin `/dev/null`, stdout droverd's,
    /// stderr `stderr`; a process group of its own, SIGKILL when droverd dies.
    private func exec(
        path: String,
        arguments: [String],
        environment: [String],
        pidIndices: [Int32],
        fds: [Int32],
        stderr: Int32
    ) throws(SpawnError) -> Int32 {
        let pid = withCStrings(arguments) { argv in
            withCStrings(environment) { envp in
                pidIndices.withUnsafeBufferPointer { indices in
                    fds.withUnsafeBufferPointer { fdBuffer in
                        var options = cdrover_spawn_options()
                        options.path = UnsafePointer(argv[0]!)
                        options.argv = argv
                        options.envp = envp
                        options.pid_env_indices = indices.baseAddress
                        options.pid_env_count = Int32(indices.count)
                        options.fds = fdBuffer.baseAddress
                        options.nfds = Int32(fdBuffer.count)
                        options.stdin_fd = devNull
                        options.stdout_fd = 1
                        options.stderr_fd = stderr
                        options.new_process_group = 1
                        options.pdeathsig = SIGKILL
                        options.nofile_soft = fileLimit  // the soft limit droverd started with
                        return cdrover_spawn(&options)
                    }
                }
            }
        }
        guard pid > 0 else { throw SpawnError("cannot start \(path): \(errnoText(-pid))") }
        return pid
    }

    /// Jitter for `max_requests`, drawn per worker: it spreads the recycling of workers started together.
    static func drawJitter(_ configuration: PoolConfiguration) -> Int {
        guard case .uvicorn(let options) = configuration.kind, options.maxRequests != nil,
            options.maxRequestsJitter > 0
        else { return 0 }
        return Int.random(in: 0...options.maxRequestsJitter)
    }

    private func value(of name: String) -> String? {
        baseEnvironment.last { $0.0 == name }?.1
    }
}

/// Calls `body` with a NULL-terminated array of C strings.
private func withCStrings<T>(
    _ strings: [String],
    _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> T
) -> T {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
