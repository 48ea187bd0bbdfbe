//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import NIOCore

/// One control-socket connection, as the daemon sees it. Used on the event loop only.
final class ControlClient: @unchecked Sendable {
    let id: UInt64
    let channel: any Channel
    /// Requests sent on to the core that have not been answered yet.
    var pending = 0
    /// Whether it asked for `events`.
    var subscribed = false
    /// Events it could not take while waiting for an answer.
    private var backlog = EventBacklog()

    init(id: UInt64, channel: any Channel) {
        self.id = id
        self.channel = channel
    }

    /// Bytes written to it that are still droverd's (not yet the kernel's).
    var unsentBytes: Int {
        guard channel.isActive else { return 0 }
        return (try? channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
    }

    /// Whether it should see state changes: it streams events, or waits for an operation.
    var wantsNotices: Bool { subscribed || pending > 0 }

    /// Writes an answer (or a refusal): always, however far behind the client is, after telling
    /// how many events it missed.
    func send(_ line: String) {
        guard channel.isActive else { return }
        if let dropped = backlog.answer() { write(Self.droppedLine(dropped)) }
        write(line)
    }

    /// Writes an event line, unless the client fell behind (see ``EventBacklog``): a client
    /// waiting for an answer then misses it, an `events` reader is dropped (returns false).
    @discardableResult
    func sendEvent(_ line: String) -> Bool {
        guard channel.isActive else { return true }
        switch backlog.event(writable: channel.isWritable, awaitingAnswer: pending > 0) {
        case .write(let dropped):
            if let dropped { write(Self.droppedLine(dropped)) }
            write(line)
        case .skip:
            break
        case .disconnect:
            channel.close(promise: nil)
            return false
        }
        return true
    }

    private func write(_ line: String) {
        var buffer = channel.allocator.buffer(capacity: line.utf8.count + 1)
        buffer.writeString(line)
        buffer.writeInteger(UInt8(ascii: "\n"))
        channel.writeAndFlush(buffer, promise: nil)
    }

    private static func droppedLine(_ count: Int) -> String {
        ControlEvent(.eventsDropped(count: count), time: Notice.now()).line
    }
}
