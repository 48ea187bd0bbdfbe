//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CSystemd
import DroverCore
import DroverShared
import Glibc
import NIOCore

/// Tells systemd where droverd stands, through libsystemd's `sd_notify`.
/// Without `NOTIFY_SOCKET` (not under systemd) every call is a cheap no-op.
struct SystemdNotifier: Sendable {
    private let enabled = getenv("NOTIFY_SOCKET") != nil
    /// How often to send `WATCHDOG=1`: half of `WatchdogSec=`, when systemd asked for pings.
    let watchdogInterval: TimeAmount?

    init() {
        var micros: UInt64 = 0
        if sd_watchdog_enabled(0, &micros) > 0, micros > 0 {
            watchdogInterval = .microseconds(Int64(micros / 2))
        } else {
            watchdogInterval = nil
        }
    }

    func send(_ notification: SystemdNotification) {
        guard enabled else { return }
        switch notification {
        case .ready: notify("READY=1\nMAINPID=\(getpid())")
        case .reloading:
            let micros = NIODeadline.now().uptimeNanoseconds / 1000
            notify("RELOADING=1\nMONOTONIC_USEC=\(micros)")
        case .stopping: notify("STOPPING=1")
        case .status(let text): notify("STATUS=\(text)")
        case .extendTimeout(let duration): notify("EXTEND_TIMEOUT_USEC=\(duration.nanoseconds / 1000)")
        case .errorNumber(let number): notify("ERRNO=\(number)")
        }
    }

    /// `WATCHDOG=1`, sent from the event loop: if the loop is stuck, systemd hears nothing.
    func watchdogPing() {
        notify("WATCHDOG=1")
    }

    /// `ERRNO=…` for a failure outside the core (a port that cannot be bound).
    func fail(errno number: Int32) {
        guard enabled else { return }
        notify("ERRNO=\(number)")
    }

    private func notify(_ text: String) {
        _ = sd_notify(0, text)
    }
}
