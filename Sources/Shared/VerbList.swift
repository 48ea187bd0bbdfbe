//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The answer to `help`: `{"verbs": [{"verb", "arguments", "meaning"}]}`.
public struct VerbList: Codable, Hashable, Sendable {
    public var verbs: [VerbUsage]

    public init(verbs: [VerbUsage]) {
        self.verbs = verbs
    }

    enum CodingKeys: String, CodingKey {
        case verbs
    }
}
