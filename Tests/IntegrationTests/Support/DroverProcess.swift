//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real `droverd` process started by a test, with its stderr (droverd's log and the
/// workers' stderr) and stdout kept in files the test can wait on.
final class DroverProcess {
    let process = Process()
    let directory: URL
    /// Its control socket (each test's droverd gets its own).
    let controlSocket: String
    private let errorURL: URL
    private let outputURL: URL

    /// Starts `droverd arguments…` in `directory` with the venv on PATH, `extra` added to the
    /// environment and the variables in `removed` taken out of it.
    init(
        _ arguments: [String],
        in directory: URL = Paths.fixtures,
        environment extra: [String: String] = [:],
        unsetting removed: Set<String> = [],
        executable: String = Paths.droverd,
        journal: Bool = false,
        errorPipe: Pipe? = nil
    ) throws {
        self.directory = directory
        let logs = try Paths.temporaryDirectory("logs")
        errorURL = logs.appendingPathComponent("stderr.log")
        outputURL = logs.appendingPathComponent("stdout.log")
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        controlSocket = extra["DROVER_CONTROL_SOCKET"] ?? logs.appendingPathComponent("control.sock").path
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = Paths.venvBin + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["PYTHONUNBUFFERED"] = "1"
        environment.removeValue(forKey: "NOTIFY_SOCKET")
        environment["DROVER_CONTROL_SOCKET"] = controlSocket
        // DROVER_TEST_SPAWN=fork runs every test's uvicorn pools in fork mode (a flag still wins).
        if let spawn = environment["DROVER_TEST_SPAWN"], !spawn.isEmpty { environment["SPAWN"] = spawn }
        for (key, value) in extra { environment[key] = value }
        for key in removed { environment.removeValue(forKey: key) }
        if journal {
            // As systemd says "stderr is the journal": its device and inode.
            var info = stat()
            stat(errorURL.path, &info)
            environment["JOURNAL_STREAM"] = "\(info.st_dev):\(info.st_ino)"
        }
        process.environment = environment
        // With `errorPipe`, droverd's stderr is that pipe, for the test to read (or not); `log` is then empty.
        if let errorPipe {
            process.standardError = errorPipe
        } else {
            process.standardError = try FileHandle(forWritingTo: errorURL)
        }
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }

    var pid: Int32 { process.processIdentifier }

    /// droverd's stderr so far.
    var log: String { (try? String(contentsOf: errorURL, encoding: .utf8)) ?? "" }
    /// droverd's stdout so far (the workers' stdout: access logs).
    var output: String { (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "" }

    /// Waits until droverd's log has at least `count` lines containing `text`; returns the last one.
    @discardableResult
    func waitForLog(_ text: String, count: Int = 1, timeout: Double = 20) throws -> String {
        try waitFor("\(count) log line(s) with '\(text)'\n--- log:\n\(log)", timeout: timeout) {
            let lines = log.split(separator: "\n").filter { $0.contains(text) }
            if lines.count >= count { return String(lines[count - 1]) }
            if !process.isRunning {
                throw Timeout(
                    description: "droverd exited (\(process.terminationStatus)) before logging '\(text)'\n\(log)"
                )
            }
            return nil
        }
    }

    func logCount(_ text: String) -> Int {
        log.split(separator: "\n").filter { $0.contains(text) }.count
    }

    /// The TCP port of the first listening socket, from the `Listening at:` line.
    func port() throws -> Int {
        let line = try waitForLog("Listening at: http://")
        let address = line.components(separatedBy: "http://")[1].split(separator: " ")[0]
        return Int(address.split(separator: ":").last!)!
    }

    /// The TCP port of the ops listener, from its `Ops listener:` line.
    func opsPort() throws -> Int {
        let line = try waitForLog("Ops listener: http://")
        let address = line.components(separatedBy: "http://")[1].split(separator: " ")[0]
        return Int(address.split(separator: ":").last!)!
    }

    /// Live worker processes (droverd's children).
    var workers: [Int32] { childPIDs(of: pid).filter { !isTemplate($0) } }

    /// droverd's templates (fork mode): its children named `drover-template`.
    var templates: [Int32] { childPIDs(of: pid).filter(isTemplate) }

    private func isTemplate(_ pid: Int32) -> Bool {
        (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) == "drover-template\n"
    }

    /// Waits until `droverctl status --ready` says every worker is ready (droverd must not exit meanwhile).
    func waitUntilReady(timeout: Double = 30) throws {
        try waitFor("status --ready\n\(log)", timeout: timeout) {
            if !process.isRunning { throw Timeout(description: "droverd exited\n\(log)") }
            return try ctl("status", "--ready").status == 0 ? true : nil
        }
    }

    /// Waits for `count` ready workers, as the log says, and returns the live children.
    @discardableResult
    func waitForReady(_ count: Int = 1, timeout: Double = 30) throws -> [Int32] {
        try waitForLog("ready in", count: count, timeout: timeout)
        return workers
    }

    func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Waits for droverd to exit and returns its exit status (or 128 + signal).
    @discardableResult
    func waitForExit(timeout: Double = 30) throws -> Int32 {
        try waitFor("droverd to exit\n\(log)", timeout: timeout) { process.isRunning ? nil : true }
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal
            ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// Graceful stop (TERM), then the exit status.
    @discardableResult
    func stop(timeout: Double = 40) throws -> Int32 {
        if process.isRunning { signal(SIGTERM) }
        return try waitForExit(timeout: timeout)
    }
}

/// What a finished `droverctl` run printed.
struct CtlResult {
    let status: Int32
    let output: String
    let error: String
}

/// Runs the real `droverctl` against `drover`'s control socket (as `user`, through setpriv, if given).
/// Runs droverctl with `--socket SOCKET` first (none when `socket` is nil) and `arguments`.
func droverctl(_ arguments: [String], socket: String?, user: String? = nil, timeout: Double = 60) throws -> CtlResult {
    let socketOption = socket.map { ["--socket", $0] } ?? []
    let process = Process()
    let output = Pipe()
    let error = Pipe()
    if let user {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments =
            ["--reuid=\(user)", "--regid=nogroup", "--clear-groups", Paths.droverctl] + socketOption + arguments
    } else {
        process.executableURL = URL(fileURLWithPath: Paths.droverctl)
        process.arguments = socketOption + arguments
    }
    process.standardOutput = output
    process.standardError = error
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Read both pipes while it runs; a droverctl still waiting after `timeout` is killed (status -1).
    nonisolated(unsafe) var errorData = Data()
    let errorRead = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        errorData = error.fileHandleForReading.readDataToEndOfFile()
        errorRead.signal()
    }
    let killer = DispatchWorkItem { kill(process.processIdentifier, SIGKILL) }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    errorRead.wait()
    process.waitUntilExit()
    killer.cancel()
    if process.terminationReason == .uncaughtSignal {
        return CtlResult(
            status: -1,
            output: String(decoding: outputData, as: UTF8.self),
            error: "droverctl killed after \(timeout) s"
        )
    }
    return CtlResult(
        status: process.terminationStatus,
        output: String(decoding: outputData, as: UTF8.self),
        error: String(decoding: errorData, as: UTF8.self)
    )
}

extension DroverProcess {
    func ctl(_ arguments: String..., user: String? = nil, timeout: Double = 60) throws -> CtlResult {
        try droverctl(arguments, socket: controlSocket, user: user, timeout: timeout)
    }
}

/// The pid (first field) a `/pid` response names.
func workerPID(_ response: HTTPResponse) -> Int32? {
    Int32(response.body.split(separator: " ").first ?? "")
}
