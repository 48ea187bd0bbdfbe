//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The Gunicorn configuration file (Python) droverd was configured from, and its hooks.
public struct GunicornConfiguration: Hashable, Sendable {
    /// The file, as droverd found or was told it.
    public var path: String
    /// Hooks droverd runs (through the launcher's hook runner): `on_starting`, `child_exit`, ….
    public var masterHooks: [String]
    /// Hooks each uvicorn worker runs: `post_fork`, `post_worker_init`, ….
    public var workerHooks: [String]

    public init(path: String, masterHooks: [String] = [], workerHooks: [String] = []) {
        self.path = path
        self.masterHooks = masterHooks
        self.workerHooks = workerHooks
    }
}
