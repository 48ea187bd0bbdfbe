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

    /// Schedules a look at starting workers of observed pools, if there are any: droverd polls only
    /// while such a worker starts (no idle wake-ups).
    func armReadinessPoll() {
        guard readinessPoll == nil, !supervisor.observationsDue.isEmpty else { return }
        readinessPoll = loop.scheduleTask(in: Self.readinessPollInterval) { [self] in
            self.assumeIsolated { $0.observeReadiness() }
        }
    }

    /// Asks a worker's own probe socket for `path` (`ready_probe`) and tells the core the answer.
    func probe(_ id: WorkerID, path: String, timeout: Duration) {
        guard let address = processes[id]?.probeAddress else {
            feed(.probed(id, status: nil, detail: "the worker has no probe socket"))  // queued: the core is busy
            return
        }
        let limit = TimeAmount.nanoseconds(Int64(timeout.seconds * 1_000_000_000))
        ReadyProbe.ask(address: address, path: path, timeout: limit, on: loop) { [self] answer in
            self.assumeIsolated { $0.feed(.probed(id, status: answer.status, detail: answer.detail)) }
        }
    }

    /// Reports every starting worker seen accepting on one of its pool's listening sockets.
    private func observeReadiness() {
        readinessPoll = nil
        for (id, pid, binds) in supervisor.observationsDue {
            let sockets = AcceptObserver.inodes(of: listeners.fds(for: binds))
            switch AcceptObserver.observe(pid: pid, sockets: sockets) {
            case .accepting:
                feed(.observedAccepting(id))
            case .notYet:
                continue
            case .unobservable(let reason):
                logger.warning(
                    "Cannot see whether worker \(pid) accepts (\(reason)); counting it as ready. Set wait_ready to choose how its pool becomes ready"
                )
                feed(.observedAccepting(id))
            }
        }
        armReadinessPoll()
    }
}
