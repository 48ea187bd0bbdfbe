//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Dispatch
import DroverCore
import DroverShared
import NIOCore
import NIOHTTP1

// MARK: - The ops listener's answers

extension Daemon {
    /// What the ops listener answers for `path`, completed on the loop: `/metrics` (in `format`)
    /// reads the workers' PSS and the app's multiprocess files off the loop; every other answer
    /// is at once.
    func opsReply(path: String, format: ExpositionFormat = .text) -> EventLoopFuture<OpsAnswer> {
        guard path == "/metrics" else { return loop.makeSucceededFuture(opsAnswer(path: path)) }
        // Levels are read now, from the core's snapshot and /proc: no timer collects them.
        let status = statusWithMemory()
        let process = ProcessSample.current()
        let loads = workerLoads()
        let queues = listeners.acceptQueues()
        let pids = status.pools.flatMap { $0.workers.compactMap(\.pid) }
        return proportionalMemory(of: pids).flatMap { [self] proportional in
            let own = metrics.exposition(
                status: status,
                process: process,
                proportional: proportional,
                loads: loads,
                queues: queues
            )
            let ownInFormat = format == .openMetrics ? OpenMetricsText.converting(own) : own
            let end = format == .openMetrics ? OpenMetricsText.end : ""
            guard let appMetrics else {
                return loop.makeSucceededFuture(
                    OpsAnswer(status: .ok, body: ownInFormat + end, contentType: format.contentType)
                )
            }
            let reserved = AppMetricsExposition.familyNames(in: own)
            return appMetrics.exposition(reserved: reserved, format: format, on: loop).map { app in
                OpsAnswer(status: .ok, body: ownInFormat + app + end, contentType: format.contentType)
            }
        }
    }

    /// Each worker's PSS (``SmapsRollup``), read on the scrape queue: the kernel walks a worker's
    /// page tables to answer, which is no work for the event loop. The future completes on the loop.
    func proportionalMemory(of pids: [Int32]) -> EventLoopFuture<[Int32: UInt64]> {
        guard !pids.isEmpty else { return loop.makeSucceededFuture([:]) }
        let promise = loop.makePromise(of: [Int32: UInt64].self)
        scrapeQueue.async {
            var sizes: [Int32: UInt64] = [:]
            for pid in pids {
                if let bytes = SmapsRollup.read(pid: pid)?.proportional { sizes[pid] = bytes }
            }
            promise.succeed(sizes)
        }
        return promise.futureResult
    }

    /// What the ops listener answers for `path` other than `/metrics`, from the state the control
    /// socket reports.
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
