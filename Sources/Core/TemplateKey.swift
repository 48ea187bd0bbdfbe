//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// Which template (fork server) a worker comes from: one per pool and generation, since a
/// generation is one configuration and one version of the code.
public struct TemplateKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var pool: String
    public var generation: Int

    public init(pool: String, generation: Int) {
        self.pool = pool
        self.generation = generation
    }

    /// The template `order`'s worker is forked from.
    public init(_ order: SpawnOrder) {
        self.init(pool: order.configuration.name, generation: order.generation)
    }

    public static func < (lhs: TemplateKey, rhs: TemplateKey) -> Bool {
        (lhs.pool, lhs.generation) < (rhs.pool, rhs.generation)
    }

    public var description: String { "pool \(pool) generation \(generation)" }
}
