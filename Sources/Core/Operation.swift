//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// A reload or restart: one runs at a time; requests that arrive meanwhile are
/// merged into one queued operation of each kind.
struct Operation: Sendable {
    enum Kind: Hashable, Sendable {
        case reload
        /// Nil restarts every pool.
        case restart(pool: String?)
    }

    let id: UInt64
    var kind: Kind
    var requesters: [Requester]
    /// Waiting for the shell to load the configuration.
    var loading = false
    /// Pools whose rollout has not ended yet.
    var pendingPools: Set<String> = []
    var outcomes: [RolloutOutcome] = []
}

/// A control-socket client waiting for a scale to reach its size.
struct ScaleWaiter: Sendable {
    let client: UInt64
    let pool: String
    let target: Int
}
