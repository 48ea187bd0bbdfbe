//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CSystemd
import DroverCore
import Glibc
import NIOCore

/// Tells systemd where droverd stands, through libsystemd's `sd_notify`.
/// Without `NOTIFY_SOCKET` (not under systemd) every call is a cheap no-op.
struct SystemdNotifier {
    private let enabled = getenv("NOTIFY_SOCKET") != nil

    func send(_ notification: SystemdNotification) {
        guard enabled else { return }
        switch notification {
        case .ready: notify("READY=1\nMAINPID=\(getpid())")
        case .reloading:
            let micros = NIODeadline.now().uptimeNanoseconds / 1000
            notify("RELOADING=1\nMONOTONIC_USEC=\(micros)")
        case .stopping: notify("STOPPING=1")
        case .status(let text): notify("STATUS=\(text)")
        }
    }

    private func notify(_ text: String) {
        _ = sd_notify(0, text)
    }
}
