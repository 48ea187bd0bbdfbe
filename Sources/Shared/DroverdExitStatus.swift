//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// droverd's exit statuses: a contract restart policies may rely on (Kubernetes, Swarm, systemd's
/// `RestartPreventExitStatus=`). README, droverd(8) and docs/KUBERNETES.md list them in a table that
/// `ExitStatusTableTests` keeps equal to this enum. Besides these, a failing prestart script's own
/// status is droverd's.
public enum DroverdExitStatus: Int32, CaseIterable, Sendable {
    /// Stopped: by a signal or `droverctl stop`, every worker gone.
    case stopped = 0
    /// Could not run: a port in use, another droverd on the control socket, a pid file naming a
    /// running process, a start-up hook that failed. (`--check-config`: the configuration is bad.)
    case couldNotRun = 1
    /// Bad configuration, or a usage error.
    case configuration = 2
    /// A pool could not start: no worker of it became ready after 3 attempts.
    case poolFailed = 3
    /// The app could not be loaded (an import error; Gunicorn's "App failed to load").
    case appLoadFailed = 4

    /// The status's first words, as the tables start its row.
    public var title: String {
        switch self {
        case .stopped: "Stopped"
        case .couldNotRun: "Could not run"
        case .configuration: "Bad configuration"
        case .poolFailed: "A pool could not start"
        case .appLoadFailed: "The app could not be loaded"
        }
    }
}
