//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// A point on the monotonic clock (`CLOCK_MONOTONIC`), in nanoseconds.
///
/// The core never reads a clock: the shell passes the time in with every event.
public struct Instant: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// Nanoseconds since an arbitrary origin (boot, for `CLOCK_MONOTONIC`).
    public var nanoseconds: UInt64

    /// Wraps a nanosecond count.
    public init(nanoseconds: UInt64) {
        self.nanoseconds = nanoseconds
    }

    public static func < (lhs: Instant, rhs: Instant) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }

    /// The instant `duration` later (negative durations count as zero).
    public static func + (lhs: Instant, rhs: Duration) -> Instant {
        Instant(nanoseconds: lhs.nanoseconds &+ rhs.nanoseconds)
    }

    /// The time from `rhs` to `lhs`, zero if `rhs` is later.
    public static func - (lhs: Instant, rhs: Instant) -> Duration {
        guard lhs.nanoseconds > rhs.nanoseconds else { return .zero }
        return .nanoseconds(Int64(lhs.nanoseconds - rhs.nanoseconds))
    }

    public var description: String { "\(nanoseconds)ns" }
}
