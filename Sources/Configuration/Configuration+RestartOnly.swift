//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

extension Configuration {
    /// The settings that differ in `new` but that a reload cannot apply to a running droverd (its
    /// name and files, its log, its control socket, ops listener and app metrics, and how its sockets are made):
    /// they take a restart. In the order of the settings table.
    public func restartOnlyChanges(to new: Configuration) -> [String] {
        var changed: [String] = []
        if name != new.name { changed.append("name") }
        if pidFile != new.pidFile { changed.append("pid") }
        if controlSocket != new.controlSocket { changed.append("control_socket") }
        if controlGroup != new.controlGroup { changed.append("control_group") }
        if opsBind != new.opsBind { changed.append("ops_bind") }
        if shutdownDelay != new.shutdownDelay { changed.append("shutdown_delay") }
        if appMetrics != new.appMetrics { changed.append("app_metrics") }
        if errorLog != new.errorLog { changed.append("error_logfile") }
        if logFormat != new.logFormat { changed.append("log_format") }
        if backlog != new.backlog { changed.append("backlog") }
        if reusePort != new.reusePort { changed.append("reuse_port") }
        if umask != new.umask { changed.append("umask") }
        return changed
    }
}
