//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension ControlEvent {
    /// What happened, with the fields of its kind (docs/PROTOCOL.md's table).
    public enum Kind: Hashable, Sendable {
        /// The first line of an `events` stream.
        case subscribed(pid: Int32)
        case workerSpawned(EventWorker)
        case workerReady(EventWorker, bootSeconds: Double)
        /// `reason`: `replaced`, `scaledDown`, `rolledBack`, `poolRemoved`, `shutdown`, `recycled`, `lifetime`, …
        case workerStopping(EventWorker, reason: String)
        /// `reason`: `bootTimeout`, `heartbeatTimeout`, `watchdogTrigger`, …
        case workerTimeout(EventWorker, reason: String, afterSeconds: Double)
        case workerKilled(EventWorker)
        /// `memory_pressure`: the largest worker (`bytes` of unique memory) is replaced surge first.
        case memoryPressure(EventWorker, bytes: UInt64)
        /// `status`: `exit 0`, `killed by SIGKILL`, …; `failed` when droverd did not ask for it.
        case workerExited(EventWorker, status: String, failed: Bool)
        case spawnFailed(EventWorker, error: String)
        case respawnScheduled(pool: String, slot: Int, afterSeconds: Double, failures: Int)
        case orphanReaped(pid: Int32, status: String)
        case started
        case startupFailed(pool: String, reason: String)
        /// A starting worker's ready probe got an answer that is not ready (told when it changes).
        case probeFailed(EventWorker, answer: String)
        /// A worker could not load the app: the exception's last line, and its traceback unless the
        /// worker `same_as_pid` already told the same one.
        case appLoadFailed(EventWorker, summary: String, traceback: [String]?, sameAsPID: Int32?)
        case hookFailed(hook: String, reason: String, fatal: Bool)
        case scaled(pool: String, from: Int, to: Int)
        /// `follow_cpu_limit`: the CPU budget went `from` → `to` CPUs; `reason` is the rule that decided it.
        case cpuBudgetChanged(from: Int, to: Int, reason: String)
        case rolloutStarted(pool: String, from: Int, to: Int)
        case rolloutFinished(pool: String, generation: Int, durationSeconds: Double)
        case rolloutFailed(pool: String, generation: Int, reason: String)
        case reloadStarted
        /// Reload mode: these files changed; every pool restarts.
        case filesChanged(files: [String])
        /// `error` is nil when every pool rolled out (`ok`).
        case reloadFinished(error: String?)
        case poolAdded(pool: String)
        case poolRemoved(pool: String)
        /// A stop request began the shutdown delay: not ready, the workers serve `after_s` more, then stop.
        case shutdownDelay(afterSeconds: Double)
        /// Another stop request came during the shutdown delay; `left_s` of it was skipped.
        case shutdownDelaySkipped(leftSeconds: Double)
        case stopping(StopMode)
        /// Written to a client waiting for an operation's answer that fell behind: it missed
        /// `count` events (its answer still comes).
        case eventsDropped(count: Int)
        /// An event this version does not know, with its other fields (an object).
        case unknown(name: String, fields: JSONValue)

        /// The event's name (`worker_ready`, …).
        public var name: String {
            switch self {
            case .subscribed: Name.subscribed.rawValue
            case .workerSpawned: Name.workerSpawned.rawValue
            case .workerReady: Name.workerReady.rawValue
            case .workerStopping: Name.workerStopping.rawValue
            case .workerTimeout: Name.workerTimeout.rawValue
            case .workerKilled: Name.workerKilled.rawValue
            case .memoryPressure: Name.memoryPressure.rawValue
            case .workerExited: Name.workerExited.rawValue
            case .spawnFailed: Name.spawnFailed.rawValue
            case .respawnScheduled: Name.respawnScheduled.rawValue
            case .orphanReaped: Name.orphanReaped.rawValue
            case .started: Name.started.rawValue
            case .startupFailed: Name.startupFailed.rawValue
            case .probeFailed: Name.probeFailed.rawValue
            case .appLoadFailed: Name.appLoadFailed.rawValue
            case .hookFailed: Name.hookFailed.rawValue
            case .scaled: Name.scaled.rawValue
            case .cpuBudgetChanged: Name.cpuBudgetChanged.rawValue
            case .rolloutStarted: Name.rolloutStarted.rawValue
            case .rolloutFinished: Name.rolloutFinished.rawValue
            case .rolloutFailed: Name.rolloutFailed.rawValue
            case .reloadStarted: Name.reloadStarted.rawValue
            case .filesChanged: Name.filesChanged.rawValue
            case .reloadFinished: Name.reloadFinished.rawValue
            case .poolAdded: Name.poolAdded.rawValue
            case .poolRemoved: Name.poolRemoved.rawValue
            case .shutdownDelay: Name.shutdownDelay.rawValue
            case .shutdownDelaySkipped: Name.shutdownDelaySkipped.rawValue
            case .stopping: Name.stopping.rawValue
            case .eventsDropped: Name.eventsDropped.rawValue
            case .unknown(let name, _): name
            }
        }

        /// Every event name this version knows.
        public enum Name: String, CaseIterable, Sendable {
            case subscribed
            case workerSpawned = "worker_spawned"
            case workerReady = "worker_ready"
            case workerStopping = "worker_stopping"
            case workerTimeout = "worker_timeout"
            case workerKilled = "worker_killed"
            case memoryPressure = "memory_pressure"
            case workerExited = "worker_exited"
            case spawnFailed = "spawn_failed"
            case respawnScheduled = "respawn_scheduled"
            case orphanReaped = "orphan_reaped"
            case started
            case startupFailed = "startup_failed"
            case probeFailed = "probe_failed"
            case appLoadFailed = "app_load_failed"
            case hookFailed = "hook_failed"
            case scaled
            case cpuBudgetChanged = "cpu_budget_changed"
            case rolloutStarted = "rollout_started"
            case rolloutFinished = "rollout_finished"
            case rolloutFailed = "rollout_failed"
            case reloadStarted = "reload_started"
            case filesChanged = "files_changed"
            case reloadFinished = "reload_finished"
            case poolAdded = "pool_added"
            case poolRemoved = "pool_removed"
            case shutdownDelay = "shutdown_delay"
            case shutdownDelaySkipped = "shutdown_delay_skipped"
            case stopping
            case eventsDropped = "events_dropped"
        }
    }
}
