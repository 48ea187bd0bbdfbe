//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// One verb of the control protocol as `help` lists it.
public struct VerbUsage: Codable, Hashable, Sendable {
    public var verb: String
    /// `[POOL]`, `POOL N|+N|-N [allow-zero]`, or empty.
    public var arguments: String
    public var meaning: String

    public init(_ verb: String, _ arguments: String, _ meaning: String) {
        self.verb = verb
        self.arguments = arguments
        self.meaning = meaning
    }

    enum CodingKeys: String, CodingKey {
        case verb, arguments, meaning
    }
}
