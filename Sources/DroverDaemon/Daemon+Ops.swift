//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import NIOHTTP1

// MARK: - The ops listener's answers

extension Daemon {
    /// What the ops listener answers for `path`, from the state the control socket reports.
    func opsAnswer(path: String) -> OpsAnswer {
        switch path {
        case "/livez":
            // Answered here, on the event loop: a stuck or stopped loop answers nothing.
            return OpsAnswer(status: .ok, text: "ok")
        case "/readyz":
            let reason = supervisor.status(at: now).notReadyReason  // every pool shows stopping while droverd stops
            return OpsAnswer(
                status: reason == nil ? .ok : .serviceUnavailable,
                json: ReadinessAnswer(reason: reason).line
            )
        case "/status":
            return OpsAnswer(status: .ok, json: ControlReply.success(statusWithMemory()).line)
        case "/metrics":
            // Levels are read now, from the core's snapshot and /proc: no timer collects them.
            return OpsAnswer(
                status: .ok,
                body: metrics.exposition(status: statusWithMemory(), process: .current()),
                contentType: DaemonMetrics.contentType
            )
        default:
            return OpsAnswer(status: .notFound, text: "not found; try /livez, /readyz, /status or /metrics")
        }
    }
}
