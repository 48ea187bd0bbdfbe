//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The answer to `scale`: `{"pool", "workers", "ready"}`.
public struct ScaleResult: Codable, Hashable, Sendable {
    public var pool: String
    public var workers: Int
    public var ready: Int

    public init(pool: String, workers: Int, ready: Int) {
        self.pool = pool
        self.workers = workers
        self.ready = ready
    }

    enum CodingKeys: String, CodingKey {
        case pool, workers, ready
    }
}
