//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The ops listener's `/readyz` body: `{"ready":true}`, or `{"ready":false,"reason":"…"}`.
public struct ReadinessAnswer: Codable, Hashable, Sendable {
    public var ready: Bool
    /// Why not, in one line (``StatusSnapshot/notReadyReason``).
    public var reason: String?

    public init(reason: String?) {
        self.ready = reason == nil
        self.reason = reason
    }

    /// The answer as one JSON line (without its newline).
    public var line: String { JSONValueEncoder().line(self) }

    enum CodingKeys: String, CodingKey {
        case ready
        case reason
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ready, forKey: .ready)
        try container.encodeIfPresent(reason, forKey: .reason)
    }
}
