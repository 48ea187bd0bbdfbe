//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// One pool in `status`.
public struct PoolStatus: Codable, Hashable, Sendable {
    public var name: String
    public var state: State
    public var desired: Int
    /// Worker processes alive (including ones being retired).
    public var running: Int
    public var ready: Int
    /// The generation that serves.
    public var generation: Int
    /// The generation a rollout is starting, if one is under way.
    public var rollingOutTo: Int?
    /// False when the pool has binds and no ready worker (connections would wait for nobody).
    public var serving: Bool
    public var workers: [WorkerStatus]
    /// Its templates (fork mode): one per generation being forked, none in exec mode.
    public var templates: [TemplateStatus] = []

    public init(
        name: String,
        state: State,
        desired: Int,
        running: Int,
        ready: Int,
        generation: Int,
        rollingOutTo: Int?,
        serving: Bool = true,
        workers: [WorkerStatus]
    ) {
        self.name = name
        self.state = state
        self.desired = desired
        self.running = running
        self.ready = ready
        self.generation = generation
        self.rollingOutTo = rollingOutTo
        self.serving = serving
        self.workers = workers
    }

    enum CodingKeys: String, CodingKey {
        case name, state, desired, running, ready, generation
        case rollingOutTo = "rolling_out_to"
        case serving, workers, templates
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        state = try container.decode(State.self, forKey: .state)
        desired = try container.decode(Int.self, forKey: .desired)
        running = try container.decode(Int.self, forKey: .running)
        ready = try container.decode(Int.self, forKey: .ready)
        generation = try container.decode(Int.self, forKey: .generation)
        rollingOutTo = try container.decodeIfPresent(Int.self, forKey: .rollingOutTo)
        serving = try container.decodeIfPresent(Bool.self, forKey: .serving) ?? true
        workers = try container.decode([WorkerStatus].self, forKey: .workers)
        templates = try container.decodeIfPresent([TemplateStatus].self, forKey: .templates) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(state, forKey: .state)
        try container.encode(desired, forKey: .desired)
        try container.encode(running, forKey: .running)
        try container.encode(ready, forKey: .ready)
        try container.encode(generation, forKey: .generation)
        try container.encode(rollingOutTo, forKey: .rollingOutTo)
        try container.encode(serving, forKey: .serving)
        try container.encode(workers, forKey: .workers)
        try container.encode(templates, forKey: .templates)
    }
}
