//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// An input a lifecycle does not accept in its state (a worker ready before it was spawned, a kill
/// when it is not stopping, a second incoming worker for a slot): the transition changes nothing.
struct InvalidTransition: Error, Hashable, Sendable, CustomStringConvertible {
    /// The input: the transition method that was called, e.g. `becameReady(at:heartbeatDeadline:)`.
    let input: String
    /// The state it came in, e.g. `spawning`.
    let state: String

    var description: String { "\(input) is not accepted while \(state)" }
}
