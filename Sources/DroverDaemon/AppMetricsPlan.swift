//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// Which `prometheus_client` multiprocess directory a pool's workers write to, and who makes it.
/// Pure: the pool's configuration and droverd's environment in, the answer out.
enum AppMetricsPlan {
    /// The variable the library reads.
    static let variable = "PROMETHEUS_MULTIPROC_DIR"
    /// Its deprecated spelling, which the library still reads when the other is unset.
    static let deprecatedVariable = "prometheus_multiproc_dir"

    /// Where a pool's workers write.
    enum Choice: Equatable, Sendable {
        /// The user's own directory (the pool's `env` or droverd's environment names it): droverd
        /// manages it as it finds it and exports nothing.
        case user(String)
        /// A directory droverd makes for the pool and exports to its workers (Uvicorn pools).
        case own
        /// Nothing: a command pool the user gave no directory.
        case none
    }

    /// The choice for `pool`, whose workers get `environment` (droverd's) with the pool's `env` over it.
    static func choice(for pool: PoolConfiguration, environment: [(String, String)]) -> Choice {
        for name in [variable, deprecatedVariable] {
            let value = pool.environment.last { $0.name == name }?.value ?? environment.last { $0.0 == name }?.1
            if let value, !value.isEmpty { return .user(value) }
        }
        if case .uvicorn = pool.kind { return .own }
        return .none
    }

    /// The user and group (`--user`, `--group`) a pool's workers switch to, if any: the owner of
    /// the directory droverd makes for it.
    static func workerOwner(of pool: PoolConfiguration) -> (user: String?, group: String?) {
        guard case .uvicorn(let options) = pool.kind else { return (nil, nil) }
        func value(_ flag: String) -> String? {
            guard let index = options.launcherArguments.lastIndex(of: flag),
                index + 1 < options.launcherArguments.count
            else { return nil }
            return options.launcherArguments[index + 1]
        }
        return (value("--user"), value("--group"))
    }
}
