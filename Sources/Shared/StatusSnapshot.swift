//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// What `status` shows: every pool and every worker.
/// `{"pools": [{"name", "state", …, "workers": [{"pid", "slot", …}]}]}`.
public struct StatusSnapshot: Codable, Hashable, Sendable {
    public var pools: [PoolStatus]

    public init(pools: [PoolStatus]) {
        self.pools = pools
    }

    /// Whether every pool has all its desired workers ready, and every pool with binds a ready worker.
    public var isReady: Bool {
        pools.allSatisfy { $0.ready >= $0.desired && $0.serving && $0.state != .stopping }
    }

    enum CodingKeys: String, CodingKey {
        case pools
    }
}
