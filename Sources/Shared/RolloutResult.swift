//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The answer to `reload` and `restart`: `{"pools": [{"pool", "generation", "ok", "error", "duration_s"}]}`.
public struct RolloutResult: Codable, Hashable, Sendable {
    public var pools: [RolloutOutcome]

    public init(pools: [RolloutOutcome]) {
        self.pools = pools
    }

    enum CodingKeys: String, CodingKey {
        case pools
    }
}
