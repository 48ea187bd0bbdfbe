//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

@preconcurrency import Dispatch
import DroverShared
import Glibc

/// Runs the master-side hooks of a Gunicorn configuration file (`on_starting`, `when_ready`,
/// `pre_fork`, `child_exit`, `nworkers_changed`, `on_reload`, `on_exit`) in the launcher's hook
/// runner (`drover-worker --hook-runner FILE --channel-fd 3`): one JSON line per call on a
/// socket, one JSON line back.
///
/// Calls made while droverd runs are queued on a thread of their own, in order: a hook never
/// runs on droverd's event loop, and a slow one never blocks it. Start-up's `on_starting` is
/// awaited, as Gunicorn awaits it, before anything is bound.
final class HookRunner: @unchecked Sendable {
    /// The hooks the file defines.
    let hooks: Set<String>
    let pid: Int32
    private let channel: Int32
    private let queue = DispatchQueue(label: "drover.hooks")
    /// Only touched on `queue` (or before the first call is queued).
    private var buffer: [UInt8] = []
    private var nextID = 0
    private var alive = true

    /// What a hook call answered.
    enum Outcome {
        case done
        /// The hook raised (the runner logged the traceback), or the runner is gone.
        case failed(String)
    }

    /// Starts the runner for `configuration`'s file, if it defines any master-side hook.
    init?(configuration: GunicornConfiguration, launcher: String, environment: [(String, String)]) throws(SpawnError) {
        guard !configuration.masterHooks.isEmpty else { return nil }
        let program = try ProgramLocator.find(launcher, path: environment.last { $0.0 == "PATH" }?.1)
        var ends: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            throw SpawnError("hook runner: socketpair: \(errnoText())")
        }
        let pid = HelperProcess.spawn(
            argv: [program, "--hook-runner", configuration.path, "--channel-fd", "3"],
            environment: environment.map { "\($0)=\($1)" },
            extraFD: ends[1],
            ownGroup: true
        )
        close(ends[1])
        guard pid > 0 else {
            close(ends[0])
            throw SpawnError("hook runner: cannot run \(program): \(errnoText(-pid))")
        }
        self.pid = pid
        self.channel = ends[0]
        self.hooks = Set(configuration.masterHooks)
    }

    deinit { close(channel) }

    /// Calls `hook` and waits for its answer, on the calling thread (start-up only).
    func callNow(_ hook: String, _ arguments: [(String, JSONValue)]) -> Outcome {
        guard hooks.contains(hook) else { return .done }
        return exchange(hook, arguments)
    }

    /// Queues a call of `hook`; `failed` hears of a failure (on the hooks' thread).
    func post(_ hook: String, _ arguments: [(String, JSONValue)], failed: @escaping @Sendable (String) -> Void) {
        guard hooks.contains(hook) else { return }
        queue.async { [self] in
            if case .failed(let reason) = exchange(hook, arguments) { failed(reason) }
        }
    }

    /// Asks the runner to execute the file again (droverd reloaded its configuration).
    func reload(failed: @escaping @Sendable (String) -> Void) {
        queue.async { [self] in
            if case .failed(let reason) = exchange(nil, [("reload", .bool(true))]) { failed(reason) }
        }
    }

    /// Waits up to `limit` for the queued calls to finish, then closes the channel (the runner exits).
    func finish(within limit: Duration) {
        let done = DispatchSemaphore(value: 0)
        queue.async { done.signal() }
        _ = done.wait(timeout: .now() + .milliseconds(Int(limit.components.seconds * 1000)))
        shutdown(channel, Int32(SHUT_RDWR))
    }

    private func exchange(_ hook: String?, _ arguments: [(String, JSONValue)]) -> Outcome {
        guard alive else { return .failed("the hook runner is gone") }
        nextID += 1
        var members: [(String, JSONValue)] = [("id", .int(nextID))]
        if let hook { members.append(("hook", .string(hook))) }
        members += arguments
        let line = Array((JSONValue.object(members).compact + "\n").utf8)
        guard writeAll(line) else {
            alive = false
            return .failed("the hook runner is gone (\(errnoText()))")
        }
        guard let answer = readLine(), let reply = try? JSONValue(parsing: answer) else {
            alive = false
            return .failed("the hook runner is gone")
        }
        if reply["ok"]?.boolValue == true { return .done }
        return .failed(reply["error"]?.stringValue ?? answer)
    }

    private func writeAll(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes {
                send(channel, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if count < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += count
        }
        return true
    }

    private func readLine() -> String? {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            let count = chunk.withUnsafeMutableBytes { Glibc.read(channel, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return nil }
            buffer += chunk[0..<count]
        }
    }
}
