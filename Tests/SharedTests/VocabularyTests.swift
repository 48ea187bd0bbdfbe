//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Testing

@Suite("Exit statuses, signals, command templates")
struct SharedVocabularyTests {
    @Test("waitpid statuses decode")
    func exitStatus() {
        #expect(ExitStatus(waitStatus: 0) == .exited(0))
        #expect(ExitStatus(waitStatus: 3 << 8) == .exited(3))
        #expect(ExitStatus(waitStatus: 9) == .signaled(.kill, coreDumped: false))
        #expect(ExitStatus(waitStatus: 6 | 0x80) == .signaled(.abort, coreDumped: true))
        #expect(ExitStatus.exited(3).description == "exit 3")
        #expect(ExitStatus.signaled(.terminate, coreDumped: false).description == "killed by SIGTERM")
    }

    @Test("signal names")
    func signals() {
        #expect(Signal(name: "TERM") == .terminate)
        #expect(Signal(name: "sigkill") == .kill)
        #expect(Signal(name: "15") == .terminate)
        #expect(Signal(name: "NOPE") == nil)
        #expect(Signal(name: "0") == nil)
        #expect(Signal.hangup.description == "SIGHUP")
    }

    @Test("command placeholders become fd numbers")
    func templates() throws {
        let binds = [
            try BindAddress(parsing: "http=127.0.0.1:80"), try BindAddress(parsing: "admin=unix:/tmp/admin.sock"),
        ]
        #expect(CommandTemplate.expand("--fd={fd}", binds: binds) == "--fd=3")
        #expect(CommandTemplate.expand("{fd:1}", binds: binds) == "4")
        #expect(CommandTemplate.expand("{fd:admin},{fd:http}", binds: binds) == "4,3")
        #expect(CommandTemplate.expand("{port}", binds: binds) == "{port}")
        #expect(CommandTemplate.placeholders(in: "a{fd}b{fd:x}{other}") == ["fd", "fd:x"])
        #expect(CommandTemplate.socketIndex("fd:9", binds: binds) == nil)
    }
}
