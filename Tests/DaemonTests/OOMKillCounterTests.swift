//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing

@testable import DroverDaemon

@Suite("OOMKillCounter: droverd's memory cgroup's oom_kill, v1 or v2; none without one")
struct OOMKillCounterTests {
    private func root(_ files: [String: String]) throws -> String {
        try temporaryTree(files, prefix: "oom")
    }

    @Test("cgroup v1: memory.oom_control of the memory hierarchy's path; it struck only when the count moved")
    func version1() throws {
        let root = try root(["memory/app.slice/memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n"])
        var counter = OOMKillCounter(root: root, cgroups: "4:memory:/app.slice\n0::/app.slice\n")
        #expect(counter.path == "\(root)/memory/app.slice/memory.oom_control")
        let unmoved = counter.struck()
        #expect(!unmoved)
        try "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n".write(
            toFile: "\(root)/memory/app.slice/memory.oom_control",
            atomically: true,
            encoding: .utf8
        )
        let moved = counter.struck()
        let again = counter.struck()
        #expect(moved && !again)  // remembered
    }

    @Test("cgroup v2: memory.events of the unified path (or under unified/ on a hybrid host)")
    func version2() throws {
        let pure = try root(["system.slice/drover.service/memory.events": "low 0\nhigh 0\nmax 2\noom 1\noom_kill 1\n"])
        #expect(
            OOMKillCounter(root: pure, cgroups: "0::/system.slice/drover.service\n").path?.hasSuffix(
                "drover.service/memory.events"
            ) == true
        )
        let hybrid = try root(["unified/x/memory.events": "oom_kill 0\n"])
        #expect(
            OOMKillCounter(root: hybrid, cgroups: "1:name=systemd:/x\n0::/x\n").path
                == "\(hybrid)/unified/x/memory.events"
        )
    }

    @Test("no memory cgroup: nothing is blamed on the OOM killer")
    func none() throws {
        var counter = OOMKillCounter(root: try root([:]), cgroups: "0::/\n")
        #expect(counter.path == nil)
        let struck = counter.struck()
        #expect(!struck)
    }
}
