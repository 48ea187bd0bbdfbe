//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// How far a starting worker's `ready_probe` has got.
enum ProbeProgress: Hashable, Sendable {
    /// Not asked: its readiness signal has not come yet (or its pool has no probe).
    case notAsked
    /// A request is out; `lastAnswer` is the bad answer before it, if any.
    case asking(lastAnswer: String?)
    /// The last answer was bad: it is asked again at `retryAt`.
    case waiting(retryAt: Instant, lastAnswer: String)

    /// Whether the probe has been asked (its readiness signal came).
    var isAsked: Bool { self != .notAsked }

    /// The last bad answer, e.g. `GET /health answered 503`.
    var lastAnswer: String? {
        switch self {
        case .notAsked: nil
        case .asking(let answer): answer
        case .waiting(_, let answer): answer
        }
    }
}
