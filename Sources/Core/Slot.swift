//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// One place in a pool, numbered from 0 (`DROVER_WORKER_INDEX`).
///
/// A slot holds its serving worker and, during a rollout, the new-generation worker that will
/// replace it once ready (``state``), and the record of its failures, valid whatever it holds.
struct Slot: Sendable {
    /// Who holds it, or when it respawns; changed only by the state's transitions.
    var state: SlotState = .empty
    /// Failures in a row (exits that were not asked for, timeouts).
    var failures = 0
    /// When a ready worker killed from outside last got its replacement at once (rate cap).
    var lastKillRespawn: Instant?
    /// How many times this slot's worker was replaced after a failure.
    var restarts = 0
    /// How the last worker of this slot ended.
    var lastExit: ExitStatus?
    /// Why, in words, when it was not a plain exit.
    var lastExitReason: String?
    /// The last stderr lines of the last worker that failed here.
    var lastTail: [String] = []
}
