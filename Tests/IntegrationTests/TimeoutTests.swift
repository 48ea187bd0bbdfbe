//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension Integration {
    @Suite("Heartbeat and boot timeouts, start-up failures")
    struct TimeoutTests {
        @Test(
            "a worker whose event loop is blocked is killed after the timeout (never before), with its stack, and replaced"
        )
        func blockedLoop() throws {
            let drover = try DroverProcess(["-w", "1", "--timeout", "2", "-b", "127.0.0.1:0", "testapp:app"])
            let victim = try drover.waitForReady(1)[0]
            let port = try drover.port()
            let sent = Date()
            Thread.detachNewThread { _ = try? httpGet(port: port, "/block?s=30", timeout: 40) }
            try drover.waitForLog("WORKER TIMEOUT: web[0] gen 1 pid \(victim)")
            let elapsed = Date().timeIntervalSince(sent)
            // The kill must not come early (Gunicorn's can, at T/2); the upper bound here only catches a hang.
            #expect(elapsed >= 2.0)
            #expect(elapsed < 6.0)
            try drover.waitForLog("pid \(victim) exited unexpectedly: killed by SIGABRT")
            // faulthandler printed where the loop was stuck.
            #expect(drover.log.contains("block_the_loop"))
            try drover.waitForReady(2)
            #expect(try httpGet(port: port, "/").status == 200)
            #expect(try drover.stop() == 0)
        }

        @Test(
            "a worker that never sends READY is killed at the boot timeout; a pool that never starts makes droverd exit 3"
        )
        func bootTimeout() throws {
            let started = Date()
            let drover = try DroverProcess(["-w", "1", "--boot-timeout", "1", "-b", "127.0.0.1:0", "hang_startup:app"])
            try drover.waitForLog("WORKER BOOT TIMEOUT: web[0] gen 1")
            #expect(Date().timeIntervalSince(started) >= 1.0)
            #expect(try drover.waitForExit(timeout: 30) == 3)
            #expect(drover.logCount("WORKER BOOT TIMEOUT") == 3)
            #expect(drover.log.contains("Pool web failed to start: no worker became ready after 3 attempts"))
            #expect(drover.workers.isEmpty)
        }

        @Test("an app module that does not exist: droverd exits 4 with the Python error, no traceback of its own")
        func importFailure() throws {
            let drover = try DroverProcess(["-w", "2", "-b", "127.0.0.1:0", "no_such_module:app"])
            #expect(try drover.waitForExit() == 4)
            let fatal = drover.log.split(separator: "\n").first { $0.contains("Pool web failed to start") }
            #expect(fatal?.contains("No module named 'no_such_module'") == true)
            // Every frame would be the launcher's or importlib's: only the exception line is left.
            #expect(!drover.log.contains("Traceback (most recent call last)"), "\(drover.log)")
        }
    }
}
