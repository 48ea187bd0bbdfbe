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

    func spawn(_ order: SpawnOrder, sockets: [Int32]) throws(SpawnError) -> Spawned {
        let configuration = order.configuration
        let plan = LaunchPlan(
            order: order,
            baseEnvironment: baseEnvironment,
            notifyAddress: notifyAddress,
            sockets: sockets.count,
            maxRequestsJitter: Self.drawJitter(configuration)
        )
        let path = try ProgramLocator.find(plan.program, path: value(of: "PATH"))
        let heartbeat = plan.heartbeatPage ? try HeartbeatPage() : nil
        var pipeEnds: [Int32] = [0, 0]
        // Spawning happens on this thread only, so the fds cannot leak before FD_CLOEXEC is set.
        guard pipe(&pipeEnds) == 0 else { throw SpawnError("stderr pipe: \(errnoText())") }
        for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(pipeEnds[0], F_SETFL, fcntl(pipeEnds[0], F_GETFL) | O_NONBLOCK)
        defer { close(pipeEnds[1]) }

        // ready_probe: a listening socket of its own, after the binds (LISTEN_FDNAMES "probe");
        // droverd asks it, so no other worker can answer for this one.
        var probe: (address: String, fd: Int32)?
        if configuration.readyProbe != nil {
            let address = "@drover-probe-\(getpid())-\(order.worker.rawValue)-\(UInt32.random(in: 0...UInt32.max))"
            let fd = cdrover_probe_listener(address)
            guard fd >= 0 else { throw SpawnError("probe socket \(address): \(errnoText(-fd))") }
            probe = (address, fd)
        }
        defer { if let probe { close(probe.fd) } }  // the worker holds it now
        let passed = sockets + (probe.map { [$0.fd] } ?? [])
        let fds = passed + (heartbeat.map { [$0.fd] } ?? [])
        let entries = plan.environmentEntries
        let pidIndices = plan.pidVariableIndices.map { Int32($0) }
        let pid = withCStrings([path] + Array(plan.arguments.dropFirst())) { argv in
            withCStrings(entries) { envp in
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
                        options.stderr_fd = pipeEnds[1]
                        options.new_process_group = 1
                        options.pdeathsig = SIGKILL
                        options.nofile_soft = fileLimit  // the soft limit droverd started with
                        return cdrover_spawn(&options)
                    }
                }
            }
        }
        guard pid > 0 else {
            close(pipeEnds[0])
            throw SpawnError("cannot start \(path): \(errnoText(-pid))")
        }
        let output = OutputPipe(fd: pipeEnds[0], sink: errorLog)
        if logFormat == .json {
            output.wrapper = WorkerLineWrapper(pool: configuration.name, slot: order.slot, pid: pid)
        }
        return Spawned(pid: pid, heartbeat: heartbeat, output: output, probeAddress: probe?.address)
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
