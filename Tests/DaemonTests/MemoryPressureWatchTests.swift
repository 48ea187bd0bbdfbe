//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing

@testable import DroverDaemon

@Suite("MemoryPressureWatch: which cgroup files it watches, and when memory counts as short")
struct MemoryPressureWatchTests {
    private func root(_ files: [String: String]) throws -> String {
        try temporaryTree(files, prefix: "pressure")
    }

    @Test("a hybrid host: v1's memory controller, not the unified hierarchy's PSI file, which is blind to v1's limit")
    func hybrid() throws {
        let root = try root([
            "memory/app/memory.usage_in_bytes": "100\n",
            "memory/app/memory.limit_in_bytes": "\(320 << 20)\n",
            "memory/app/cgroup.event_control": "",
            "memory/app/memory.stat": "total_cache 0\ntotal_rss \(300 << 20)\n",
            "unified/app/memory.pressure": "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
        ])
        let watch = try MemoryPressureWatch(root: root, cgroups: "4:memory:/app\n0::/app\n")
        #expect(
            watch.description.hasPrefix("\(root)/memory/app: anonymous memory over 256 MiB"),
            "\(watch.description)"
        )
        // Anonymous memory (300 MiB) over 80 % of the limit: short; usage (100 bytes) is not over it: no second look.
        #expect(watch.check() == (short: true, recheck: false))
    }

    @Test("v1 without a limit, or no memory controller at all: one line saying why")
    func nothingToWatch() throws {
        let unlimited = try root([
            "memory/app/memory.usage_in_bytes": "100\n",
            "memory/app/memory.limit_in_bytes": "9223372036854771712\n",
        ])
        #expect(throws: SpawnError.self) { try MemoryPressureWatch(root: unlimited, cgroups: "4:memory:/app\n") }
        let none = try root(["unified/app/memory.pressure": ""])
        #expect(throws: SpawnError.self) { try MemoryPressureWatch(root: none, cgroups: "0::/app\n") }
    }

    @Test("memory.stat values by key")
    func stat() {
        let text = "cache 5\ntotal_cache 7\nrss 1\ntotal_rss 9\n"
        #expect(MemoryPressureWatch.statValue("total_rss", in: text) == 9)
        #expect(MemoryPressureWatch.statValue("rss", in: text) == 1)
        #expect(MemoryPressureWatch.statValue("swap", in: text) == nil)
    }

    @Test(
        "systemd's MEMORY_PRESSURE_WATCH with its base64 MEMORY_PRESSURE_WRITE: that file, that trigger",
        .enabled(if: access("/proc/pressure/memory", W_OK) == 0, "needs a writable /proc/pressure/memory (PSI, root)")
    )
    func systemdWatch() throws {
        let trigger = "some 300000 2000000"
        let encoded = Data((trigger + "\0").utf8).base64EncodedString()
        let watch = try MemoryPressureWatch(
            environment: ["MEMORY_PRESSURE_WATCH": "/proc/pressure/memory", "MEMORY_PRESSURE_WRITE": encoded]
        )
        #expect(watch.description == "/proc/pressure/memory (systemd's MEMORY_PRESSURE_WATCH: \(trigger))")
    }
}
