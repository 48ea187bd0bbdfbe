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
            let events = try drover.subscribeToEvents()
            defer { events.terminate() }

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

        @Test(
            "memory_pressure: as the cgroup nears its limit the largest worker is replaced surge first, before the OOM killer strikes",
            .enabled(if: MemoryCgroup.unavailable == nil, "\(MemoryCgroup.unavailable ?? "")")
        )
        func pressure() throws {
            let cgroup = try MemoryCgroup(limit: 320 << 20)
            let directory = try AppDirectory("pressure")
            try directory.copyFixtures(["leaky.py"])
            let drover = try DroverProcess(
                cgroup.entering(
                    Paths.droverd,
                    ["-w", "2", "-b", "127.0.0.1:0", "--memory-pressure", "leaky:app"]
                ),
                in: directory.url,
                executable: "/bin/sh"
            )
            try drover.waitForReady(2)
            let port = try drover.port()
            let events = try drover.subscribeToEvents()
            defer { events.terminate() }
            #expect(drover.log.contains("Memory pressure: watching"))
            // 1 MiB per /leak, ~15 MiB/s, 450 MiB in all: well past the 320 MiB limit, had nothing been recycled.
            let load = LoadGenerator(port: port, fresh: 1, keepAlive: 1, limit: 40)
            var leaked = 0
            var failed: [String] = []
            for _ in 0..<450 {
                do {
                    _ = try httpGet(port: port, "/leak", timeout: 10)
                    leaked += 1
                } catch {
                    failed.append("\(error)")
                }
                Thread.sleep(forTimeInterval: 0.066)
            }
            try load.stop()
            let lines = events.output.split(separator: "\n")
            let pressure = lines.filter { $0.contains("\"memory_pressure\"") }
            let oom = lines.filter { $0.contains("worker_exited") && $0.contains("out of memory") }
            print(
                "memory pressure: \(leaked) MiB leaked into 2 workers under a 320 MiB limit; \(pressure.count) pressure recycles, \(oom.count) OOM kills; \(load.succeeded) answers, \(load.failureList.count) failed"
            )
            #expect(pressure.count >= 1)
            #expect(oom.isEmpty, "\(oom)")
            #expect(failed.isEmpty, "\(failed.prefix(5))")
            #expect(load.failureList.isEmpty, "\(load.failureList.prefix(5))")
            #expect(lines.contains { $0.contains("worker_stopping") && $0.contains(#""reason":"pressure""#) })
            #expect(try drover.stop() == 0)
        }
    }
}
