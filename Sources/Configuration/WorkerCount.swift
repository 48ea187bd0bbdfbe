//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// The seed image's automatic worker count.
enum WorkerCount {
    /// `max(int(workersPerCore × cores), 2)`, then capped by `maxWorkers` when it is set and not 0
    /// (the floor applies before the cap, so a cap of 1 gives 1).
    static func automatic(workersPerCore: Double, cores: Int, maxWorkers: Int?) -> Int {
        let product = workersPerCore * Double(cores)
        let truncated = product.isFinite ? Int(max(min(product, 1_000_000), -1_000_000).rounded(.towardZero)) : 0
        var count = max(truncated, 2)
        if let cap = maxWorkers, cap != 0 { count = min(count, cap) }
        return count
    }
}
