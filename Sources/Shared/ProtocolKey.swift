//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A coding key spelled at run time: an event's or an unknown object's members.
public struct ProtocolKey: CodingKey, Hashable, Sendable {
    public var stringValue: String
    public var intValue: Int? { nil }

    public init(_ name: String) {
        stringValue = name
    }

    public init(stringValue: String) {
        self.init(stringValue)
    }

    public init?(intValue: Int) {
        nil
    }
}
