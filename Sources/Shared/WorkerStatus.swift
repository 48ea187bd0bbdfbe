//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// One worker (or a slot waiting to respawn) in `status`.
public struct WorkerStatus: Codable, Hashable, Sendable {
    /// Nil for a slot in backoff.
    public var pid: Int32?
    public var slot: Int
    public var generation: Int
    public var state: State
    /// Written to the millisecond.
    public var ageSeconds: Double
    /// Times the slot's worker was replaced after a failure.
    public var restarts: Int
    /// How the slot's previous worker ended, e.g. `exit 3`.
    public var lastExit: String?
    /// Resident memory, filled in by the daemon (the core does not read /proc).
    public var rssBytes: UInt64?
    /// The last stderr lines of a failing slot.
    public var stderrTail: [String]
    /// Seconds until a slot in backoff respawns (written to the millisecond).
    public var retryInSeconds: Double?
    /// The worker's own `STATUS=` text.
    public var statusText: String?

    public init(
        pid: Int32?,
        slot: Int,
        generation: Int,
        state: State,
        ageSeconds: Double,
        restarts: Int,
        lastExit: String?,
        rssBytes: UInt64? = nil,
        stderrTail: [String] = [],
        retryInSeconds: Double? = nil,
        statusText: String? = nil
    ) {
        self.pid = pid
        self.slot = slot
        self.generation = generation
        self.state = state
        self.ageSeconds = ageSeconds
        self.restarts = restarts
        self.lastExit = lastExit
        self.rssBytes = rssBytes
        self.stderrTail = stderrTail
        self.retryInSeconds = retryInSeconds
        self.statusText = statusText
    }

    enum CodingKeys: String, CodingKey {
        case pid, slot, generation, state
        case ageSeconds = "age_s"
        case restarts
        case lastExit = "last_exit"
        case rssBytes = "rss_bytes"
        case stderrTail = "stderr_tail"
        case retryInSeconds = "retry_in_s"
        case statusText = "status"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        pid = try container.decodeIfPresent(Int32.self, forKey: .pid)
        slot = try container.decode(Int.self, forKey: .slot)
        generation = try container.decode(Int.self, forKey: .generation)
        state = try container.decode(State.self, forKey: .state)
        ageSeconds = try container.decode(Double.self, forKey: .ageSeconds)
        restarts = try container.decode(Int.self, forKey: .restarts)
        lastExit = try container.decodeIfPresent(String.self, forKey: .lastExit)
        rssBytes = try container.decodeIfPresent(UInt64.self, forKey: .rssBytes)
        stderrTail = try container.decodeIfPresent([String].self, forKey: .stderrTail) ?? []
        retryInSeconds = try container.decodeIfPresent(Double.self, forKey: .retryInSeconds)
        statusText = try container.decodeIfPresent(String.self, forKey: .statusText)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(pid, forKey: .pid)
        try container.encode(slot, forKey: .slot)
        try container.encode(generation, forKey: .generation)
        try container.encode(state, forKey: .state)
        try container.encode(seconds: ageSeconds, forKey: .ageSeconds)
        try container.encode(restarts, forKey: .restarts)
        try container.encode(lastExit, forKey: .lastExit)
        try container.encode(rssBytes, forKey: .rssBytes)
        try container.encode(stderrTail, forKey: .stderrTail)
        try container.encode(seconds: retryInSeconds, forKey: .retryInSeconds)
        try container.encode(statusText, forKey: .statusText)
    }
}
