//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import Logging
import NIOCore

// MARK: - Readiness by observation

extension Daemon {
    /// How often starting workers of observed pools are looked at.
    static let readinessPollInterval = TimeAmount.milliseconds(50)

    /// Schedules a look at starting workers of observed pools, unless one is scheduled: droverd
    /// polls only while such a worker starts (no idle wake-ups).
    func armReadinessPoll() {
        guard readinessPoll == nil else { return }
        readinessPoll = loop.scheduleTask(in: Self.readinessPollInterval) { [self] in
            readinessPoll = nil
            driver.observeReadiness()
        }
    }

    /// Asks a worker's own probe socket for `path` (`ready_probe`) and tells the core the answer.
    func probe(_ id: WorkerID, pid: Int32, path: String, timeout: Duration) {
        guard let address = processes[id]?.probeAddress else {
            feed(.probed(id, status: nil, detail: "the worker has no probe socket"))  // queued: the core is busy
            return
        }
        let limit = TimeAmount.nanoseconds(Int64(timeout.seconds * 1_000_000_000))
        ReadyProbe.ask(address: address, path: path, timeout: limit, on: loop) { [self] answer in
            self.feed(.probed(id, status: answer.status, detail: answer.detail))
        }
    }

    /// Whether a starting worker is seen accepting on one of its pool's listening sockets.
    func isAccepting(_ worker: WorkerID, pid: Int32, binds: [BindAddress]) -> Bool {
        let sockets = AcceptObserver.inodes(of: listeners.fds(for: binds))
        switch AcceptObserver.observe(pid: pid, sockets: sockets) {
        case .accepting:
            return true
        case .notYet:
            return false
        case .unobservable(let reason):
            logger.warning(
                "Cannot see whether worker \(pid) accepts (\(reason)); counting it as ready. Set wait_ready to choose how its pool becomes ready"
            )
            return true
        }
    }
}
