//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// A surge rollout of a pool to a new generation: new workers start next to the
/// old ones, and each old one is retired only when its replacement is ready.
struct Rollout: Sendable {
    /// The generation being rolled out.
    let generation: Int
    /// The configuration to go back to if it fails; nil when the pool is new.
    var previous: PoolConfiguration?
    /// The pool's size before the rollout, restored if it fails.
    var previousSize: Int
    let startedAt: Instant
}
