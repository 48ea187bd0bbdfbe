//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import Glibc

extension Notice {
    /// The `events` line for this notice, stamped with the wall clock.
    var event: ControlEvent {
        ControlEvent(eventKind, time: Self.now())
    }

    private var eventKind: ControlEvent.Kind {
        switch self {
        case .workerSpawned(let worker): .workerSpawned(worker.event)
        case .workerReady(let worker, let bootTime): .workerReady(worker.event, bootSeconds: bootTime.seconds)
        case .workerStopping(let worker, let reason): .workerStopping(worker.event, reason: reason.rawValue)
        case .workerTimedOut(let worker, let reason, let after):
            .workerTimeout(worker.event, reason: reason.rawValue, afterSeconds: after.seconds)
        case .workerKilled(let worker): .workerKilled(worker.event)
        case .memoryPressure(let worker, let bytes): .memoryPressure(worker.event, bytes: bytes)
        case .workerExited(let worker, let status, let failed):
            .workerExited(worker.event, status: status.description, failed: failed)
        case .spawnFailed(let worker, let error): .spawnFailed(worker.event, error: error)
        case .respawnScheduled(let pool, let slot, let after, let failures):
            .respawnScheduled(pool: pool, slot: slot, afterSeconds: after.seconds, failures: failures)
        case .orphanReaped(let pid, let status): .orphanReaped(pid: pid, status: status.description)
        case .started: .started
        case .startupFailed(let pool, let reason): .startupFailed(pool: pool, reason: reason)
        case .probeFailed(let worker, let answer): .probeFailed(worker.event, answer: answer)
        case .appLoadFailed(let worker, let failure, let sameAs):
            .appLoadFailed(
                worker.event,
                summary: failure.summary,
                traceback: sameAs == nil ? failure.traceback : nil,
                sameAsPID: sameAs?.pid
            )
        case .hookFailed(let hook, let reason, let fatal): .hookFailed(hook: hook, reason: reason, fatal: fatal)
        case .scaled(let pool, let from, let to): .scaled(pool: pool, from: from, to: to)
        case .cpuBudgetChanged(let from, let to, let rule): .cpuBudgetChanged(from: from, to: to, reason: rule)
        case .rolloutStarted(let pool, let from, let to): .rolloutStarted(pool: pool, from: from, to: to)
        case .rolloutFinished(let pool, let generation, let duration):
            .rolloutFinished(pool: pool, generation: generation, durationSeconds: duration.seconds)
        case .rolloutFailed(let pool, let generation, let reason):
            .rolloutFailed(pool: pool, generation: generation, reason: reason)
        case .reloadStarted: .reloadStarted
        case .reloadFinished(let failure): .reloadFinished(error: failure)
        case .filesChanged(let files): .filesChanged(files: files)
        case .poolAdded(let pool): .poolAdded(pool: pool)
        case .poolRemoved(let pool): .poolRemoved(pool: pool)
        case .shutdownDelay(let delay): .shutdownDelay(afterSeconds: delay.seconds)
        case .shutdownDelaySkipped(let left): .shutdownDelaySkipped(leftSeconds: left.seconds)
        case .stopping(let mode): .stopping(mode)
        }
    }

    /// Wall-clock seconds since the epoch, to the millisecond.
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec / 1_000_000) / 1000
    }
}

extension WorkerReference {
    /// The worker as events name it.
    fileprivate var event: EventWorker {
        EventWorker(pool: pool, pid: pid, slot: slot, generation: generation)
    }
}
