//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// A pool of identical workers and its slots.
struct Pool: Sendable {
    /// The configuration new workers are spawned with (the rollout's during a rollout).
    var configuration: PoolConfiguration
    /// The generation that serves (the last completed one).
    var generation: Int
    /// The next generation number to hand out.
    var nextGeneration: Int
    var slots: [Slot]
    /// Workers being stopped that no longer own a slot.
    var retiring: [WorkerID] = []
    var rollout: Rollout?
    /// Whether any worker of this pool has ever been ready.
    var everReady = false
    /// Whether an operator scaled the pool (`scale`, TTIN/TTOU): its size no longer follows the CPU
    /// budget, until a reload gives it a size of the configuration's.
    var pinned = false
    /// Whether a reload removed the pool (it goes when its workers are gone).
    var removing = false
    /// `pool_memory_limit`: since when the pool's total has been over the limit (nil: not over).
    var memoryOverSince: Instant?
    /// The last load failure reported in full, and by whom: the same one again is told in one line.
    var lastLoadFailure: (failure: LoadFailure, reporter: WorkerReference)?

    var name: String { configuration.name }

    init(configuration: PoolConfiguration, generation: Int) {
        self.configuration = configuration
        self.generation = generation
        self.nextGeneration = generation + 1
        self.slots = Array(repeating: Slot(), count: configuration.workers)
    }
}
