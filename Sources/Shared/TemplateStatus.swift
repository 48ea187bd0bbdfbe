//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A pool's template (fork mode) as `status` shows it: `{"pid", "generation", "state", "preload"}`.
public struct TemplateStatus: Codable, Hashable, Sendable {
    /// `starting` (importing) or `ready` (forking).
    public enum State: String, Codable, Hashable, Sendable {
        case starting
        case ready
    }

    public var pid: Int32
    /// The generation it forks.
    public var generation: Int
    public var state: State
    /// Whether it imported the app (`preload_app`).
    public var preload: Bool

    public init(pid: Int32, generation: Int, state: State, preload: Bool) {
        self.pid = pid
        self.generation = generation
        self.state = state
        self.preload = preload
    }
}
