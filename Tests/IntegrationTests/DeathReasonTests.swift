//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension Integration {
    /// How a worker died, told honestly: the kernel's OOM killer in a real memory cgroup.
    @Suite("Death reasons")
    struct DeathReasonTests {
        @Test(
            "a worker the OOM killer kills is reported as out of memory (status, events, log); kill -9 from outside is not",
            .enabled(if: MemoryCgroup.unavailable == nil, "\(MemoryCgroup.unavailable ?? "")")
        )
        func outOfMemory() throws {
            let cgroup = try MemoryCgroup(limit: 256 << 20)
            let directory = try AppDirectory("oom")
            try directory.copyFixtures(["facts_app.py"])
            let drover = try DroverProcess(
                cgroup.entering(
                    Paths.droverd,
                    ["-w", "1", "-b", "127.0.0.1:0", "--graceful-timeout", "5", "facts_app:app"]
                ),
                in: directory.url,
                executable: "/bin/sh"
            )
            let first = try drover.waitForReady(1)[0]
            let port = try drover.port()
            let events = try Process.background(
                Paths.droverctl,
                ["--socket", drover.controlSocket, "--json", "events"]
            )
            defer { events.terminate() }
            try waitFor("the events subscription") { events.output.contains("subscribed") ? true : nil }

            _ = try? httpGet(port: port, "/hog", timeout: 20)  // the connection dies with the worker
            let oom = try waitFor("the worker's exit event") {
                events.output.split(separator: "\n").first {
                    $0.contains("worker_exited") && $0.contains(#""pid":\#(first)"#)
                }
            }
            #expect(oom.contains(#""status":"killed by SIGKILL (out of memory)""#), "\(oom)")
            let status = try JSONValue(parsing: drover.ctl("--json", "status").output)
            let slot = status["result"]?["pools"]?.arrayValue?.first?["workers"]?.arrayValue?.first
            #expect(slot?["last_exit"]?.stringValue == "killed by SIGKILL (out of memory)")
            #expect(drover.log.contains("pid \(first) exited unexpectedly: killed by SIGKILL (out of memory)"))

            // A SIGKILL from outside, with no OOM kill in the cgroup, is just that.
            try drover.waitUntilReady()
            let second = try #require(drover.workers.first { $0 != first })
            kill(second, SIGKILL)
            let exit = try waitFor("the second exit event") {
                events.output.split(separator: "\n").first {
                    $0.contains("worker_exited") && $0.contains(#""pid":\#(second)"#)
                }
            }
            #expect(exit.contains("killed by SIGKILL") && !exit.contains("out of memory"), "\(exit)")
            #expect(try drover.stop() == 0)
        }
    }
}
