//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The last few lines a worker wrote to stderr, bounded in count and length.
public struct OutputTail: Hashable, Sendable {
    /// The kept lines, oldest first.
    public private(set) var lines: [String] = []
    /// How many lines are kept.
    public let capacity: Int
    /// How many bytes of a line are kept.
    public let lineLimit: Int

    public init(capacity: Int, lineLimit: Int) {
        self.capacity = capacity
        self.lineLimit = lineLimit
    }

    /// Keeps `line`, dropping the oldest one when full.
    public mutating func append(_ line: String) {
        guard capacity > 0 else { return }
        var kept = line
        if kept.utf8.count > lineLimit {
            kept = String(decoding: kept.utf8.prefix(lineLimit), as: UTF8.self) + "…"
        }
        if lines.count == capacity { lines.removeFirst() }
        lines.append(kept)
    }
}
