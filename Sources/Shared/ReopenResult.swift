//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The answer to `reopen-logs`: `{"reopened": true}`.
public struct ReopenResult: Codable, Hashable, Sendable {
    public var reopened: Bool

    public init(reopened: Bool = true) {
        self.reopened = reopened
    }

    enum CodingKeys: String, CodingKey {
        case reopened
    }
}
