//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension PoolStatus {
    /// A pool's state in `status`.
    public enum State: OpenEnum {
        case starting
        case running
        /// Fewer ready workers than desired, none waiting to respawn.
        case degraded
        /// A slot waits to respawn after failures.
        case backoff
        /// A rollout is under way.
        case rolling
        /// A reload removed the pool; its workers are stopping.
        case removing
        case stopping
        /// A state this version does not know.
        case unknown(String)

        public static let known: [State] = [
            .starting, .running, .degraded, .backoff, .rolling, .removing, .stopping,
        ]

        public var rawValue: String {
            switch self {
            case .starting: "starting"
            case .running: "running"
            case .degraded: "degraded"
            case .backoff: "backoff"
            case .rolling: "rolling"
            case .removing: "removing"
            case .stopping: "stopping"
            case .unknown(let state): state
            }
        }
    }
}
