//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The worker an event is about: its `pool`, `pid` (null before it runs), `slot` and `generation`.
public struct EventWorker: Hashable, Sendable {
    public var pool: String
    public var pid: Int32?
    public var slot: Int
    public var generation: Int

    public init(pool: String, pid: Int32?, slot: Int, generation: Int) {
        self.pool = pool
        self.pid = pid
        self.slot = slot
        self.generation = generation
    }
}
