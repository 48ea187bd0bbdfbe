//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension WorkerStatus {
    /// A worker's state in `status` (the core's own lifecycle is finer: see `WorkerState` there).
    public enum State: OpenEnum {
        case starting
        case ready
        case stopping
        /// A slot without a worker, waiting to respawn (`retry_in_s` says when).
        case backoff
        /// A state this version does not know.
        case unknown(String)

        public static let known: [State] = [.starting, .ready, .stopping, .backoff]

        public var rawValue: String {
            switch self {
            case .starting: "starting"
            case .ready: "ready"
            case .stopping: "stopping"
            case .backoff: "backoff"
            case .unknown(let state): state
            }
        }
    }
}
