//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A protocol-level error: a stable code and one line for people; a failed rollout adds each
/// pool's outcome (`{"code":…,"message":…,"pools":[…]}`).
public struct ControlError: Error, Codable, Hashable, Sendable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String
    /// Each pool's outcome, for a failed rollout; empty (and not written) otherwise.
    public var pools: [RolloutOutcome]

    public init(_ code: ErrorCode, _ message: String, pools: [RolloutOutcome] = []) {
        self.code = code
        self.message = message
        self.pools = pools
    }

    public var description: String { "\(code): \(message)" }

    enum CodingKeys: String, CodingKey {
        case code, message, pools
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = try container.decode(ErrorCode.self, forKey: .code)
        message = try container.decode(String.self, forKey: .message)
        pools = try container.decodeIfPresent([RolloutOutcome].self, forKey: .pools) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code)
        try container.encode(message, forKey: .message)
        if !pools.isEmpty { try container.encode(pools, forKey: .pools) }
    }
}
