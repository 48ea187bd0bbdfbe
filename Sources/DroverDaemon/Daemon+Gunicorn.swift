//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import Glibc
import NIOCore

/// What droverd does as Gunicorn's master does: its hooks, and the names in its log lines.
extension Daemon {
    /// The hooks a notice calls for: `child_exit` when a worker exits, `nworkers_changed` on scaling.
    func runHooks(for notice: Notice) {
        switch notice {
        case .workerExited(let worker, let status, _):
            let pid = worker.pid ?? 0
            var argument = Self.workerArgument(
                pid: pid,
                age: ages.removeValue(forKey: pid) ?? 0,
                slot: worker.slot,
                generation: worker.generation
            )
            if case .object(var members) = argument.1 {
                switch status {
                case .exited(let code): members += [("exit_status", .int(Int(code))), ("exit_signal", .null)]
                case .signaled, .outOfMemory:
                    members += [("exit_status", .null), ("exit_signal", .int(Int(status.signal?.rawValue ?? 0)))]
                }
                argument.1 = .object(members)
            }
            runHook("child_exit", worker: argument)
        case .scaled(_, let from, let to):
            runHook("nworkers_changed", extra: [("new", .int(to)), ("old", .int(from))])
        default: break
        }
    }

    /// Queues a Gunicorn hook, if the configuration file defines it; a failure is logged.
    func runHook(
        _ hook: String,
        worker: (String, JSONValue)? = nil,
        extra: [(String, JSONValue)] = []
    ) {
        guard let hooks, hooks.hooks.contains(hook) else { return }
        hooks.post(hook, [Self.serverArgument(configuration)] + (worker.map { [$0] } ?? []) + extra) {
            [self] reason in
            // The core decides what a failure means (when_ready's stops droverd, as Gunicorn's does).
            self.onLoop { $0.feed(.hookFailed(hook: hook, reason: reason)) }
        }
    }

    /// The `server` (Gunicorn's arbiter) a hook gets, as the hook runner reads it.
    static func serverArgument(_ configuration: Configuration) -> (String, JSONValue) {
        let proc = configuration.gunicornSettings.first { $0.0 == "proc_name" }?.1.stringValue
        let app = configuration.gunicornSettings.first { $0.0 == "wsgi_app" }?.1.stringValue
        return (
            "server",
            .object([
                ("pid", .int(Int(getpid()))),
                ("num_workers", .int(configuration.pools.reduce(0) { $0 + $1.workers })),
                ("proc_name", .string(proc ?? app ?? "drover")),
                ("config", .object(configuration.gunicornSettings)),
            ])
        )
    }

    /// The `worker` a hook gets; no pid before it is spawned (`pre_fork`).
    static func workerArgument(pid: Int32?, age: Int, slot: Int, generation: Int) -> (String, JSONValue) {
        (
            "worker",
            .object([
                ("pid", pid.map { .int(Int($0)) } ?? .null), ("age", .int(age)), ("slot", .int(slot)),
                ("generation", .int(generation)),
            ])
        )
    }

    /// The worker class as Gunicorn names it in `Using worker:`.
    static func workerName(_ pool: PoolConfiguration) -> String {
        switch pool.kind {
        case .uvicorn(let options):
            options.http == .h11 ? "uvicorn.workers.UvicornH11Worker" : "uvicorn.workers.UvicornWorker"
        case .command(let arguments): "command (\(arguments[0]))"
        }
    }

    /// A value as Gunicorn's configuration dump prints it (Python's `str`).
    static func pythonText(_ value: JSONValue) -> String {
        switch value {
        case .null: "None"
        case .bool(let flag): flag ? "True" : "False"
        case .string(let text): text
        case .array(let items):
            "[" + items.map { item in item.stringValue.map { "'\($0)'" } ?? item.pythonStyle }.joined(separator: ", ")
                + "]"
        default: value.pythonStyle
        }
    }
}
