//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Identifies one worker process for its whole life, before and after it has a pid.
public struct WorkerID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// A number the supervisor never reuses.
    public var rawValue: UInt64

    public init(_ rawValue: UInt64) {
        self.rawValue = rawValue
    }

    public static func < (lhs: WorkerID, rhs: WorkerID) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    public var description: String { "#\(rawValue)" }
}
