//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// How a pool whose size no one fixed (no `workers`, `WEB_CONCURRENCY` or Gunicorn default) is
/// sized from the CPU budget: the seed image's `max(int(WORKERS_PER_CORE × cores), 2)`, capped by
/// `MAX_WORKERS`. The core uses it again when the budget changes (`follow_cpu_limit`).
public struct AutomaticWorkers: Hashable, Sendable {
    /// `WORKERS_PER_CORE` (default 1).
    public var workersPerCore: Double
    /// `MAX_WORKERS`, if set; 0 means no cap.
    public var maxWorkers: Int?

    public init(workersPerCore: Double = 1, maxWorkers: Int? = nil) {
        self.workersPerCore = workersPerCore
        self.maxWorkers = maxWorkers
    }

    /// `max(int(workersPerCore × cores), 2)`, then capped by `maxWorkers` when it is set and not 0
    /// (the floor applies before the cap, so a cap of 1 gives 1).
    public func count(cores: Int) -> Int {
        let product = workersPerCore * Double(cores)
        let truncated = product.isFinite ? Int(max(min(product, 1_000_000), -1_000_000).rounded(.towardZero)) : 0
        var count = max(truncated, 2)
        if let cap = maxWorkers, cap != 0 { count = min(count, cap) }
        return count
    }
}
