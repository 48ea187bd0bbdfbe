//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// What `status` shows: every pool and every worker.
/// `{"pools": [{"name", "state", …, "workers": [{"pid", "slot", …}]}]}`, and `stopping_in_s`
/// during the shutdown delay.
public struct StatusSnapshot: Codable, Hashable, Sendable {
    public var pools: [PoolStatus]
    /// During the shutdown delay (`shutdown_delay`): the seconds left before the workers are told
    /// to stop (they serve meanwhile, and droverd is not ready); nil otherwise.
    public var stoppingInSeconds: Double?

    public init(pools: [PoolStatus], stoppingInSeconds: Double? = nil) {
        self.pools = pools
        self.stoppingInSeconds = stoppingInSeconds
    }

    /// Whether every pool has all its desired workers ready, and every pool with binds a ready worker.
    public var isReady: Bool { notReadyReason == nil }

    /// Why ``isReady`` is false, in one line (the first pool that is not ready); nil when it is true.
    public var notReadyReason: String? {
        if let left = stoppingInSeconds {
            return "droverd is stopping: shutdown delay, its workers serve until they stop in "
                + Duration.shortText(seconds: left)
        }
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
        case stoppingInSeconds = "stopping_in_s"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        pools = try container.decode([PoolStatus].self, forKey: .pools)
        stoppingInSeconds = try container.decodeIfPresent(Double.self, forKey: .stoppingInSeconds)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(pools, forKey: .pools)
        if let stoppingInSeconds { try container.encode(seconds: stoppingInSeconds, forKey: .stoppingInSeconds) }
    }
}
