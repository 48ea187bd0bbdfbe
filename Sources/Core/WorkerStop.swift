//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// A stopping worker: why, what it had reached before, and how far the stop has got.
struct WorkerStop: Hashable, Sendable {
    /// Nil when it was told to stop before the shell reported its pid (it is signalled once it does).
    var pid: Int32?
    /// Why it stops; a second, quicker stop request keeps the first reason.
    let reason: StopReason
    /// When it became ready, if it was: a failure after serving long enough resets its slot's backoff.
    let readySince: Instant?
    /// Its `ready_probe`'s progress, when it was stopped while starting (a boot timeout tells it).
    let probe: ProbeProgress?
    /// When SIGKILL goes to its process group; nil once it has been sent.
    var killAt: Instant?

    /// Whether SIGKILL has been sent.
    var killed: Bool { killAt == nil }
}
