//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// `max_worker_memory`: a worker whose unique memory (USS: its private pages, what recycling it
/// frees) stays above `bytes` for `samples` samples in a row, one every `interval`, is recycled
/// surge first.
public struct MemoryLimit: Hashable, Sendable {
    public var bytes: UInt64
    public var interval: Duration
    public var samples: Int

    public init(bytes: UInt64, interval: Duration = .seconds(10), samples: Int = 3) {
        self.bytes = bytes
        self.interval = interval
        self.samples = samples
    }
}
