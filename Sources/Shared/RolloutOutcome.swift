//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// How one pool's rollout ended: `{"pool", "generation", "ok", "error", "duration_s"}` in the
/// answer to `reload` and `restart`.
public struct RolloutOutcome: Codable, Hashable, Sendable {
    public var pool: String
    /// The generation that serves now.
    public var generation: Int
    /// Nil when it succeeded; why not, otherwise.
    public var failure: String?
    /// Written in seconds, to the millisecond.
    public var duration: Duration

    public init(pool: String, generation: Int, failure: String?, duration: Duration) {
        self.pool = pool
        self.generation = generation
        self.failure = failure
        self.duration = duration
    }

    enum CodingKeys: String, CodingKey {
        case pool, generation, ok, error
        case durationSeconds = "duration_s"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        pool = try container.decode(String.self, forKey: .pool)
        generation = try container.decode(Int.self, forKey: .generation)
        let ok = try container.decode(Bool.self, forKey: .ok)
        failure = try container.decodeIfPresent(String.self, forKey: .error) ?? (ok ? nil : "failed")
        duration = try container.decodeDuration(forKey: .durationSeconds)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(pool, forKey: .pool)
        try container.encode(generation, forKey: .generation)
        try container.encode(failure == nil, forKey: .ok)
        try container.encode(failure, forKey: .error)
        try container.encode(seconds: duration.seconds, forKey: .durationSeconds)
    }
}
