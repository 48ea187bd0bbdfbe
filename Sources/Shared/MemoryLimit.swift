//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// `max_worker_memory` and `pool_memory_limit`: a worker whose unique memory (USS: its private
/// pages, what recycling it frees) stays above `bytes` for `samples` samples in a row, one every
/// `interval`, is recycled surge first; and while the pool's total (the sum of its ready workers'
/// last samples) stays above `poolBytes` that long, its largest worker is.
public struct MemoryLimit: Hashable, Sendable {
    /// `max_worker_memory`; 0 when only the pool has a limit.
    public var bytes: UInt64
    /// `pool_memory_limit`, if set.
    public var poolBytes: UInt64?
    public var interval: Duration
    public var samples: Int

    public init(bytes: UInt64, poolBytes: UInt64? = nil, interval: Duration = .seconds(10), samples: Int = 3) {
        self.bytes = bytes
        self.poolBytes = poolBytes
        self.interval = interval
        self.samples = samples
    }

    /// How long a pool's total must stay over `poolBytes` (as long as `samples` samples in a row span).
    public var poolWindow: Duration { interval * (samples - 1) }
}
