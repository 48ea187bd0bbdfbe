//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

extension Supervisor {
    /// Gunicorn's hooks whose failure stops the server: the start-up ones (`on_starting` is awaited
    /// by the shell before anything is bound; `when_ready` runs once, as the sockets are bound).
    static let startupHooks: Set<String> = ["on_starting", "when_ready"]

    /// A hook raised: a start-up hook stops droverd (quick stop, exit 1), as an exception in
    /// Gunicorn's `start()` does; any other is reported, and the pools go on.
    mutating func hookFailed(_ hook: String, reason: String) {
        let fatal = Self.startupHooks.contains(hook) && !isStopping
        notice(.hookFailed(hook: hook, reason: reason, fatal: fatal))
        if fatal { beginStop(.quick, exitCode: DroverdExitStatus.couldNotRun.rawValue) }
    }
}
