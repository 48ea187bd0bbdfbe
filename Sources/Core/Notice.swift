//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// A state change worth telling people about (a log line, an `events` entry).
public enum Notice: Hashable, Sendable {
    case workerSpawned(WorkerReference)
    case workerReady(WorkerReference, bootTime: Duration)
    case workerStopping(WorkerReference, StopReason)
    case workerTimedOut(WorkerReference, StopReason, after: Duration)
    case workerKilled(WorkerReference)
    /// `memory_pressure`: droverd's memory cgroup neared its limit, and this worker, the largest
    /// (`bytes` of unique memory), is replaced surge first.
    case memoryPressure(WorkerReference, bytes: UInt64)
    /// `failed` is false when droverd asked it to stop (or it announced a clean stop).
    case workerExited(WorkerReference, ExitStatus, failed: Bool)
    case spawnFailed(WorkerReference, error: String)
    case respawnScheduled(pool: String, slot: Int, after: Duration, failures: Int)
    /// A child droverd did not spawn (an orphan it adopted) was reaped.
    case orphanReaped(pid: Int32, ExitStatus)
    /// Every pool reached its size with ready workers for the first time.
    case started
    case startupFailed(pool: String, reason: String)
    /// A starting worker's `ready_probe` got an answer that is not ready (told when it changes).
    case probeFailed(WorkerReference, answer: String)
    /// A worker could not load the app; `sameAs` names the worker whose identical traceback was
    /// already told (then only the summary is worth a line).
    case appLoadFailed(WorkerReference, LoadFailure, sameAs: WorkerReference?)
    case scaled(pool: String, from: Int, to: Int)
    /// `follow_cpu_limit`: the CPU budget changed (`rule` says what decided it); `scaled` follows
    /// for each pool sized from it.
    case cpuBudgetChanged(from: Int, to: Int, rule: String)
    case rolloutStarted(pool: String, from: Int, to: Int)
    case rolloutFinished(pool: String, generation: Int, duration: Duration)
    case rolloutFailed(pool: String, generation: Int, reason: String)
    case reloadStarted
    /// Reload mode: these files changed (after a quiet moment); every pool restarts.
    case filesChanged([String])
    /// `failure` is nil when every pool rolled out.
    case reloadFinished(failure: String?)
    case poolAdded(pool: String)
    case poolRemoved(pool: String)
    /// A stop request began the shutdown delay: not ready, the workers serve this long, then stop.
    case shutdownDelay(Duration)
    /// Another stop request (or a quick one) came during the shutdown delay: this much of it was left.
    case shutdownDelaySkipped(left: Duration)
    case stopping(StopMode)
    /// A Gunicorn hook raised; `fatal` when that stops droverd (a start-up hook, as in Gunicorn).
    case hookFailed(hook: String, reason: String, fatal: Bool)
}
