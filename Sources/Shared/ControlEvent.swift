//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// One line of the `events` stream (and a progress line of a long operation):
/// `{"event": NAME, …, "time": UNIX_SECONDS}`. See docs/PROTOCOL.md, "Events".
public struct ControlEvent: Codable, Hashable, Sendable {
    public var kind: Kind
    /// Wall-clock seconds since the epoch, to the millisecond; nil for `subscribed`.
    public var time: Double?

    public init(_ kind: Kind, time: Double?) {
        self.kind = kind
        self.time = time
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Field.self)
        kind = try Kind(from: container, decoder: decoder)
        time = try container.decodeIfPresent(Double.self, forKey: .time)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Field.self)
        try kind.encode(to: &container, encoder: encoder)
        if let time { try container.encode(seconds: time, forKey: .time) }
    }

    /// Every key an event of this version may have, in the order they are written.
    public enum Field: String, CodingKey, CaseIterable, Sendable {
        case event, pool, pid, slot, generation, hook
        case bootSeconds = "boot_s"
        case reason
        case afterSeconds = "after_s"
        case leftSeconds = "left_s"
        case status, failed, error, failures, fatal, from, to
        case durationSeconds = "duration_s"
        case ok, mode, answer, summary, traceback, files
        case sameAsPID = "same_as_pid"
        case count
        case time
        case bytes
    }
}

extension ControlEvent {
    /// The event as one protocol line (without its newline).
    public var line: String { JSONValueEncoder().line(self) }
}
