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
    public var isReady: Bool { notReadyReason == nil }

    /// Why ``isReady`` is false, in one line (the first pool that is not ready); nil when it is true.
    public var notReadyReason: String? {
        for pool in pools {
            if pool.state == .stopping { return "droverd is stopping" }
            if !pool.serving { return "pool \(pool.name) has no ready worker to serve its sockets" }
            if pool.ready < pool.desired {
                return "pool \(pool.name) has \(pool.ready) of \(pool.desired) workers ready"
            }
        }
        return nil
    }

    enum CodingKeys: String, CodingKey {
        case pools
    }
}
