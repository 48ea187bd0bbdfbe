//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A string enum of the control protocol that may gain cases: a decoder keeps a value it does not
/// know as `unknown(String)` instead of failing (see docs/PROTOCOL.md, "Compatibility").
public protocol OpenEnum: RawRepresentable<String>, Codable, Hashable, Sendable, CustomStringConvertible {
    /// Every case this version knows, in documented order.
    static var known: [Self] { get }
    /// A value this version does not know.
    static func unknown(_ rawValue: String) -> Self
}

extension OpenEnum {
    /// The case spelled `rawValue`, or `unknown(rawValue)`.
    public init(_ rawValue: String) {
        self = Self.known.first { $0.rawValue == rawValue } ?? .unknown(rawValue)
    }

    /// Never nil: a value this version does not know is `unknown(rawValue)`.
    public init?(rawValue: String) {
        self.init(rawValue)
    }

    /// Whether this version knows the value (not `unknown`).
    public var isKnown: Bool { Self.known.contains(self) }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
