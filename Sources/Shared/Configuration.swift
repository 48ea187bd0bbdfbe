//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// droverd's validated configuration, with where each value came from.
public struct Configuration: Hashable, Sendable {
    /// The instance name (`--name`), used in default paths.
    public var name: String
    /// The pools, in order; the first is the one TTIN/TTOU scale.
    public var pools: [PoolConfiguration]
    /// droverd's log level.
    public var logLevel: LogLevel
    /// The directory droverd changes to before anything else, if any.
    public var directory: String?
    /// Where each value came from, by key: `default`, `--workers`, …
    public var sources: [String: String]

    public init(
        name: String,
        pools: [PoolConfiguration],
        logLevel: LogLevel,
        directory: String?,
        sources: [String: String]
    ) {
        self.name = name
        self.pools = pools
        self.logLevel = logLevel
        self.directory = directory
        self.sources = sources
    }
}

/// How much droverd logs.
public enum LogLevel: String, Hashable, Sendable, CaseIterable, Comparable {
    case trace
    case debug
    case info
    case warning
    case error
    case critical

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
