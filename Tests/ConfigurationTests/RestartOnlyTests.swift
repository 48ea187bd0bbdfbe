//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverConfiguration
import DroverShared
import Testing

@Suite("Settings a reload cannot apply")
struct RestartOnlyTests {
    @Test("a reload names every droverd-wide setting it cannot apply; pool settings are not among them")
    func named() throws {
        let old = try resolve(["-b", "127.0.0.1:8000"])
        #expect(old.restartOnlyChanges(to: try resolve(["-b", "127.0.0.1:8000", "-w", "7", "--timeout", "9"])) == [])
        let new = try resolve([
            "-b", "127.0.0.1:8000", "--name", "other", "--pid", "/run/x.pid", "--control-socket", "/run/x.sock",
            "--ops-bind", "127.0.0.1:9100", "--shutdown-delay", "5s", "--no-app-metrics", "--log-format", "json",
            "--backlog", "64",
            "--reuse-port", "--umask", "7",
        ])
        #expect(
            old.restartOnlyChanges(to: new)
                == [
                    "name", "pid", "control_socket", "ops_bind", "shutdown_delay", "app_metrics", "log_format",
                    "backlog", "reuse_port", "umask",
                ]
        )
    }
}
