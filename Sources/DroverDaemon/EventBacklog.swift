//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Which events a control client gets while its socket is backed up (more than the channel's
/// high-water mark waits to be written). An `events` reader that falls behind is disconnected, so
/// it cannot slow droverd down; a client waiting for an operation's answer keeps its connection:
/// its events are left out and counted, and the count is told (as `events_dropped`) before the
/// next event or the answer, which is always written.
struct EventBacklog {
    /// What to do with one event.
    enum Decision: Equatable {
        /// Write it, after an `events_dropped` line for `dropped` events if there were any.
        case write(dropped: Int?)
        /// Leave it out (counted).
        case skip
        /// Close the connection: an `events` reader that does not keep up.
        case disconnect
    }

    /// Events left out since the client last got one.
    private(set) var dropped = 0

    /// The decision for one event, for a client whose socket is `writable` or not.
    mutating func event(writable: Bool, awaitingAnswer: Bool) -> Decision {
        guard writable else {
            guard awaitingAnswer else { return .disconnect }
            dropped += 1
            return .skip
        }
        return .write(dropped: takeDropped())
    }

    /// Before an answer: how many events to tell were left out, if any.
    mutating func answer() -> Int? {
        takeDropped()
    }

    private mutating func takeDropped() -> Int? {
        defer { dropped = 0 }
        return dropped > 0 ? dropped : nil
    }
}
