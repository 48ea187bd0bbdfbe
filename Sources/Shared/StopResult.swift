//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The answer to `stop`, just before droverd exits: `{"stopped": true}`.
public struct StopResult: Codable, Hashable, Sendable {
    public var stopped: Bool

    public init(stopped: Bool = true) {
        self.stopped = stopped
    }

    enum CodingKeys: String, CodingKey {
        case stopped
    }
}
