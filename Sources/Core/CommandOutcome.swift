//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// What a finished command achieved.
public enum CommandOutcome: Hashable, Sendable {
    /// The pool has this many workers, this many of them ready.
    case scaled(pool: String, workers: Int, ready: Int)
    /// Every pool rolled out.
    case rolledOut([RolloutOutcome])
    /// droverd stopped every worker.
    case stopped
    /// droverd reopened its log file and passed SIGUSR1 on to the workers.
    case reopened
}

/// Why a command failed: a stable code and one line for people.
public struct CommandFailure: Error, Hashable, Sendable {
    /// `noSuchPool`, `invalidArgument`, `stopping`, `rolloutFailed`, `configInvalid`, `workerFailed`, `superseded`.
    public var code: ErrorCode
    public var message: String
    /// Per-pool outcomes, for a failed rollout.
    public var outcomes: [RolloutOutcome]

    public init(code: ErrorCode, message: String, outcomes: [RolloutOutcome] = []) {
        self.code = code
        self.message = message
        self.outcomes = outcomes
    }
}
