//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import NIOCore
import NIOHTTP1

// MARK: - The ops listener's answers

extension Daemon {
    /// What the ops listener answers for `path`, completed on the loop: `/metrics` adds the app's
    /// multiprocess metrics, read off the loop, after droverd's own; every other answer is at once.
    func opsReply(path: String) -> EventLoopFuture<OpsAnswer> {
        let answer = opsAnswer(path: path)
        guard path == "/metrics", let appMetrics else { return loop.makeSucceededFuture(answer) }
        let own = answer.body
        return appMetrics.exposition(reserved: AppMetricsExposition.familyNames(in: own), on: loop).map { app in
            OpsAnswer(status: .ok, body: own + app, contentType: DaemonMetrics.contentType)
        }
    }

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
                body: metrics.exposition(
                    status: statusWithMemory(),
                    process: .current(),
                    loads: workerLoads(),
                    queues: listeners.acceptQueues()
                ),
                contentType: DaemonMetrics.contentType
            )
        default:
            return OpsAnswer(status: .notFound, text: "not found; try /livez, /readyz, /status or /metrics")
        }
    }

    /// Each worker's heartbeat page: its request counts and the age of its last stamp.
    func workerLoads() -> [Int32: WorkerLoad] {
        let now = self.now
        var loads: [Int32: WorkerLoad] = [:]
        for process in processes.values {
            guard let page = process.heartbeat else { continue }
            let (served, inFlight) = page.load
            let age = page.lastBeat.map { now > $0 ? (now - $0).seconds : 0 }
            loads[process.pid] = WorkerLoad(served: served, inFlight: inFlight, heartbeatAge: age)
        }
        return loads
    }
}
