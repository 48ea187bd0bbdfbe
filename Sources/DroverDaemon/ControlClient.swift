//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import NIOCore

/// One control-socket connection, as the daemon sees it. Used on the event loop only.
final class ControlClient: @unchecked Sendable {
    let id: UInt64
    let channel: any Channel
    /// Requests sent on to the core that have not been answered yet.
    var pending = 0
    /// Whether it asked for `events`.
    var subscribed = false

    init(id: UInt64, channel: any Channel) {
        self.id = id
        self.channel = channel
    }

    /// Whether it should see state changes: it streams events, or waits for an operation.
    var wantsNotices: Bool { subscribed || pending > 0 }

    /// Writes one line. An `events` reader that does not keep up is dropped (returns false),
    /// so it cannot slow droverd down.
    @discardableResult
    func send(_ line: String) -> Bool {
        guard channel.isActive else { return true }
        if subscribed && pending == 0 && !channel.isWritable {
            channel.close(promise: nil)
            return false
        }
        var buffer = channel.allocator.buffer(capacity: line.utf8.count + 1)
        buffer.writeString(line)
        buffer.writeInteger(UInt8(ascii: "\n"))
        channel.writeAndFlush(buffer, promise: nil)
        return true
    }
}
