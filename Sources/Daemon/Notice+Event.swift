//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import Glibc

extension Notice {
    /// The `events` line for this notice: `{"event": "worker_ready", "pool", "pid", "slot", "generation", "time", …}`.
    var event: JSONValue {
        var fields: [(String, JSONValue)]
        switch self {
        case .workerSpawned(let worker): fields = Self.worker("worker_spawned", worker)
        case .workerReady(let worker, let bootTime):
            fields = Self.worker("worker_ready", worker) + [("boot_s", Self.seconds(bootTime))]
        case .workerStopping(let worker, let reason):
            fields = Self.worker("worker_stopping", worker) + [("reason", .string(reason.rawValue))]
        case .workerTimedOut(let worker, let reason, let after):
            fields =
                Self.worker("worker_timeout", worker) + [
                    ("reason", .string(reason.rawValue)), ("after_s", Self.seconds(after)),
                ]
        case .workerKilled(let worker): fields = Self.worker("worker_killed", worker)
        case .workerExited(let worker, let status, let failed):
            fields =
                Self.worker("worker_exited", worker) + [
                    ("status", .string(status.description)), ("failed", .bool(failed)),
                ]
        case .spawnFailed(let worker, let error):
            fields = Self.worker("spawn_failed", worker) + [("error", .string(error))]
        case .respawnScheduled(let pool, let slot, let after, let failures):
            fields = [
                ("event", .string("respawn_scheduled")), ("pool", .string(pool)), ("slot", .int(slot)),
                ("after_s", Self.seconds(after)), ("failures", .int(failures)),
            ]
        case .orphanReaped(let pid, let status):
            fields = [
                ("event", .string("orphan_reaped")), ("pid", .int(Int(pid))), ("status", .string(status.description)),
            ]
        case .started: fields = [("event", .string("started"))]
        case .startupFailed(let pool, let reason):
            fields = [("event", .string("startup_failed")), ("pool", .string(pool)), ("reason", .string(reason))]
        case .probeFailed(let worker, let answer):
            fields = Self.worker("probe_failed", worker) + [("answer", .string(answer))]
        case .appLoadFailed(let worker, let failure, let sameAs):
            fields =
                Self.worker("app_load_failed", worker) + [
                    ("summary", .string(failure.summary)),
                    ("traceback", sameAs == nil ? .array(failure.traceback.map(JSONValue.string)) : .null),
                    ("same_as_pid", sameAs?.pid.map { .int(Int($0)) } ?? .null),
                ]
        case .hookFailed(let hook, let reason, let fatal):
            fields = [
                ("event", .string("hook_failed")), ("hook", .string(hook)), ("reason", .string(reason)),
                ("fatal", .bool(fatal)),
            ]
        case .scaled(let pool, let from, let to):
            fields = [("event", .string("scaled")), ("pool", .string(pool)), ("from", .int(from)), ("to", .int(to))]
        case .rolloutStarted(let pool, let from, let to):
            fields = [
                ("event", .string("rollout_started")), ("pool", .string(pool)), ("from", .int(from)), ("to", .int(to)),
            ]
        case .rolloutFinished(let pool, let generation, let duration):
            fields = [
                ("event", .string("rollout_finished")), ("pool", .string(pool)), ("generation", .int(generation)),
                ("duration_s", Self.seconds(duration)),
            ]
        case .rolloutFailed(let pool, let generation, let reason):
            fields = [
                ("event", .string("rollout_failed")), ("pool", .string(pool)), ("generation", .int(generation)),
                ("reason", .string(reason)),
            ]
        case .reloadStarted: fields = [("event", .string("reload_started"))]
        case .reloadFinished(let failure):
            fields = [("event", .string("reload_finished")), ("ok", .bool(failure == nil))]
            if let failure { fields.append(("error", .string(failure))) }
        case .poolAdded(let pool): fields = [("event", .string("pool_added")), ("pool", .string(pool))]
        case .poolRemoved(let pool): fields = [("event", .string("pool_removed")), ("pool", .string(pool))]
        case .stopping(let mode):
            fields = [("event", .string("stopping")), ("mode", .string(mode == .quick ? "fast" : "graceful"))]
        }
        fields.append(("time", .double(Self.now())))
        return .object(fields)
    }

    private static func worker(_ name: String, _ worker: WorkerReference) -> [(String, JSONValue)] {
        [
            ("event", .string(name)), ("pool", .string(worker.pool)),
            ("pid", worker.pid.map { .int(Int($0)) } ?? .null),
            ("slot", .int(worker.slot)), ("generation", .int(worker.generation)),
        ]
    }

    private static func seconds(_ duration: Duration) -> JSONValue {
        .double((duration.seconds * 1000).rounded() / 1000)
    }

    /// Wall-clock seconds since the epoch, to the millisecond.
    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec / 1_000_000) / 1000
    }
}
