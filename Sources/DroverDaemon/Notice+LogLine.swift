//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import Logging

extension Notice {
    /// The log level and line for this notice.
    var logLine: (Logger.Level, String) {
        switch self {
        case .workerSpawned(let worker):
            (.info, "Booting worker \(worker)")
        case .workerReady(let worker, let bootTime):
            (.info, "Worker \(worker) ready in \(seconds(bootTime))")
        case .workerStopping(let worker, .lifetime):
            (
                .info,
                "Worker \(worker) reached its max_worker_lifetime; its replacement is ready, stopping it (lifetime)"
            )
        case .workerStopping(let worker, .memory):
            (
                .warning,
                "Worker \(worker) stayed over max_worker_memory; its replacement is ready, stopping it (memory)"
            )
        case .memoryPressure(let worker, let bytes):
            (
                .warning,
                "Memory pressure: replacing the largest worker, \(worker) (\(bytes >> 20) MiB unique), surge first"
            )
        case .workerStopping(let worker, .pressure):
            (.info, "Worker \(worker) was replaced under memory pressure; stopping it (pressure)")
        case .workerStopping(let worker, .poolMemory):
            (
                .warning,
                "Worker \(worker) was the largest while its pool stayed over pool_memory_limit; its replacement is ready, stopping it (memory)"
            )
        case .workerStopping(let worker, .requestTimeout):
            (
                .warning,
                "Worker \(worker) had a request past request_timeout; its replacement is ready, stopping it (late requests get 503)"
            )
        case .workerStopping(let worker, let reason):
            (.debug, "Stopping worker \(worker) (\(reason.rawValue))")
        case .workerTimedOut(let worker, let reason, let after):
            switch reason {
            case .bootTimeout:
                (
                    .error,
                    "WORKER BOOT TIMEOUT: \(worker) not ready after \(seconds(after)) (raise --boot-timeout or BOOT_TIMEOUT); sending SIGABRT"
                )
            case .heartbeatTimeout:
                (.critical, "WORKER TIMEOUT: \(worker) sent no heartbeat for \(seconds(after)); sending SIGABRT")
            case .requestTimeout:
                (
                    .error,
                    "WORKER REQUEST TIMEOUT: \(worker) has had a request in flight for \(seconds(after)) (request_timeout); its stacks follow (SIGUSR2), and it is replaced, surge first"
                )
            default:
                (.error, "Worker \(worker) asked to be killed (WATCHDOG=trigger); sending SIGABRT")
            }
        case .workerKilled(let worker):
            (.warning, "Worker \(worker) did not exit in time; sending SIGKILL to its process group")
        case .workerExited(let worker, let status, let failed):
            failed
                ? (.error, "Worker \(worker) exited unexpectedly: \(status)")
                : (.info, "Worker \(worker) exited: \(status)")
        case .spawnFailed(let worker, let error):
            (.error, "Cannot spawn worker \(worker): \(error)")
        case .respawnScheduled(let pool, let slot, let after, let failures):
            (.warning, "\(pool)[\(slot)] failed \(failures) times in a row; respawning in \(seconds(after))")
        case .orphanReaped(let pid, let status):
            (.debug, "Reaped orphan pid \(pid): \(status)")
        case .started:
            (.info, "All pools ready")
        case .startupFailed(let pool, let reason):
            (.critical, "Pool \(pool) failed to start: \(reason)")
        case .probeFailed(let worker, let answer):
            (.info, "Worker \(worker) is not ready yet: \(answer)")
        case .appLoadFailed(let worker, let failure, let sameAs):
            if let sameAs {
                (.error, "Worker \(worker) could not load the app: \(failure.summary) (same traceback as \(sameAs))")
            } else {
                (
                    .error,
                    (["Worker \(worker) could not load the app:"]
                        + (failure.traceback.isEmpty ? [failure.summary] : failure.traceback))
                        .joined(separator: "\n")
                )
            }
        case .hookFailed(let hook, let reason, let fatal):
            fatal
                ? (.critical, "Hook \(hook) failed: \(reason); stopping, as Gunicorn does")
                : (.error, "Hook \(hook) failed: \(reason)")
        case .scaled(let pool, let from, let to):
            (.info, "Scaled \(pool) from \(from) to \(to) workers")
        case .cpuBudgetChanged(let from, let to, let rule):
            (
                .info,
                "CPU budget changed from \(from) to \(to) CPU\(to == 1 ? "" : "s") (\(rule)); resizing the pools sized from it"
            )
        case .rolloutStarted(let pool, let from, let to):
            (.info, "Rolling out \(pool): generation \(from) -> \(to)")
        case .rolloutFinished(let pool, let generation, let duration):
            (.info, "Rollout of \(pool) generation \(generation) finished in \(seconds(duration))")
        case .rolloutFailed(let pool, let generation, let reason):
            (.error, "Rollout of \(pool) generation \(generation) failed; keeping the old workers: \(reason)")
        case .reloadStarted:
            (.info, "Reloading")
        case .filesChanged(let files):
            (
                .info,
                "Changed: \(files.prefix(5).joined(separator: ", "))\(files.count > 5 ? ", …" : ""); restarting the workers"
            )
        case .reloadFinished(let failure):
            failure.map { (.error, "Reload failed: \($0)") } ?? (.info, "Reload finished")
        case .poolAdded(let pool):
            (.info, "Added pool \(pool)")
        case .poolRemoved(let pool):
            (.info, "Removed pool \(pool)")
        case .shutdownDelay(let delay):
            (
                .info,
                "Shutdown delay: not ready; the workers serve for \(seconds(delay)) more, then stop gracefully"
                    + " (another SIGTERM or `droverctl stop` skips the delay)"
            )
        case .shutdownDelaySkipped(let left):
            (.info, "Skipping the rest of the shutdown delay (\(seconds(left)) left)")
        case .stopping(let mode):
            (.info, mode == .graceful ? "Stopping gracefully" : "Stopping quickly")
        }
    }

    private func seconds(_ duration: Duration) -> String {
        let value = duration.seconds
        let rounded = (value * 1000).rounded() / 1000
        return "\(rounded)s"
    }
}
