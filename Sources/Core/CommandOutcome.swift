//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// What a finished command achieved.
public enum CommandOutcome: Hashable, Sendable {
    /// The pool has this many workers, this many of them ready.
    case scaled(pool: String, workers: Int, ready: Int)
    /// Every pool rolled out.
    case rolledOut([RolloutOutcome])
    /// droverd stopped every worker.
    case stopped
}

/// How one pool's rollout ended.
public struct RolloutOutcome: Hashable, Sendable {
    public var pool: String
    /// The generation that serves now.
    public var generation: Int
    /// Nil when it succeeded; why not, otherwise.
    public var failure: String?
    public var duration: Duration

    public init(pool: String, generation: Int, failure: String?, duration: Duration) {
        self.pool = pool
        self.generation = generation
        self.failure = failure
        self.duration = duration
    }
}

/// Why a command failed: a stable code and one line for people.
public struct CommandFailure: Error, Hashable, Sendable {
    /// `no_such_pool`, `invalid_argument`, `stopping`, `rollout_failed`, `config_invalid`, `worker_failed`, `superseded`.
    public var code: String
    public var message: String
    /// Per-pool outcomes, for a failed rollout.
    public var outcomes: [RolloutOutcome]

    public init(code: String, message: String, outcomes: [RolloutOutcome] = []) {
        self.code = code
        self.message = message
        self.outcomes = outcomes
    }
}
