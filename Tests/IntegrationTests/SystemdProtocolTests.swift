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
    /// What droverd tells systemd, read from a NOTIFY_SOCKET the test owns; socket activation with
    /// `systemd-socket-activate`; the journal's priority prefixes.
    @Suite("systemd protocol")
    struct SystemdProtocolTests {
        @Test(
            "READY=1 only once every worker is ready; RELOADING=1 … READY=1 around a rollout; STOPPING=1; STATUS lines"
        )
        func messageSequence() throws {
            let receiver = try NotifyReceiver()
            let drover = try DroverProcess(
                ["-w", "2", "-b", "127.0.0.1:0", "testapp:app"],
                environment: ["NOTIFY_SOCKET": receiver.path]
            )
            try waitFor("READY=1") { receiver.lifecycle.isEmpty ? nil : true }
            // When systemd hears READY=1, both workers have said they are ready.
            #expect(drover.logCount("ready in") == 2)
            #expect(receiver.lifecycle == ["READY=1\nMAINPID=\(drover.pid)"])
            #expect(receiver.messages.contains("STATUS=web: 0/2 ready, gen 1"))
            // STATUS= follows READY=1 in droverd's output; the receiver may not have read it yet.
            try waitFor("STATUS=web: 2/2\n\(receiver.messages)") {
                receiver.messages.contains("STATUS=web: 2/2 ready, gen 1") ? true : nil
            }
            #expect(receiver.messages.contains { $0.hasPrefix("EXTEND_TIMEOUT_USEC=") })

            drover.signal(SIGHUP)
            try waitFor("the reload's READY=1") { receiver.lifecycle.count == 3 ? true : nil }
            let reloading = receiver.lifecycle[1]
            #expect(reloading.hasPrefix("RELOADING=1\nMONOTONIC_USEC="))
            let stamp = UInt64(reloading.components(separatedBy: "MONOTONIC_USEC=")[1])!
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            #expect(stamp <= UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000)
            #expect(receiver.lifecycle[2] == "READY=1\nMAINPID=\(drover.pid)")
            // READY=1 came after the rollout had finished. (The log file and STATUS= may trail READY=1:
            // droverd's log is written off the loop, and STATUS= follows READY=1 in its output.)
            try drover.waitForLog("Rollout of web generation 2 finished")
            try waitFor("STATUS=web: 2/2 ready, gen 2\n\(receiver.messages)") {
                receiver.messages.contains("STATUS=web: 2/2 ready, gen 2") ? true : nil
            }

            drover.signal(SIGTERM)
            #expect(try drover.waitForExit() == 0)
            #expect(receiver.lifecycle.last == "STOPPING=1")
            #expect(receiver.messages.contains { $0.hasPrefix("STATUS=") && $0.contains("stopping (graceful)") })
        }

        @Test("WATCHDOG=1 comes from the event loop every WATCHDOG_USEC/2, and stops while droverd is stopped")
        func watchdog() throws {
            let receiver = try NotifyReceiver()
            let drover = try DroverProcess(
                ["-w", "1", "-b", "127.0.0.1:0", "testapp:app"],
                environment: ["NOTIFY_SOCKET": receiver.path, "WATCHDOG_USEC": "400000"]
            )
            try drover.waitForReady(1)
            func pings() -> Int { receiver.messages.filter { $0 == "WATCHDOG=1" }.count }
            let first = pings()
            try waitFor("pings") { pings() >= first + 5 ? true : nil }
            drover.signal(SIGSTOP)
            let frozen = pings()
            let start = Date()
            while Date().timeIntervalSince(start) < 1.0 { Thread.sleep(forTimeInterval: 0.05) }
            #expect(pings() <= frozen + 1)
            drover.signal(SIGCONT)
            try waitFor("pings again") { pings() >= frozen + 3 ? true : nil }
            // The workers do not get droverd's watchdog variables.
            #expect(try drover.stop() == 0)
        }

        @Test("an app that cannot be loaded: ERRNO= then droverd exits 4; a port in use: ERRNO=98")
        func errorNumbers() throws {
            let receiver = try NotifyReceiver()
            let broken = try DroverProcess(
                ["-w", "1", "-b", "127.0.0.1:0", "nothing_here:app"],
                environment: ["NOTIFY_SOCKET": receiver.path]
            )
            #expect(try broken.waitForExit() == 4)
            #expect(receiver.lifecycle.first == "ERRNO=5")
            let first = try DroverProcess(["-w", "1", "-b", "127.0.0.1:0", "testapp:app"])
            let port = try first.port()
            let other = try NotifyReceiver()
            let second = try DroverProcess(
                ["-w", "1", "-b", "127.0.0.1:\(port)", "testapp:app"],
                environment: ["NOTIFY_SOCKET": other.path]
            )
            #expect(try second.waitForExit() == 1)
            try waitFor("ERRNO") { other.lifecycle.first }
            #expect(other.lifecycle.first == "ERRNO=\(EADDRINUSE)")
            #expect(try first.stop() == 0)
        }

        @Test("socket activation: droverd serves on the socket systemd-socket-activate passes, by name or by default")
        func socketActivation() throws {
            let port = freePort()
            for arguments in [["-b", "fd://http"], []] {
                let activator = try DroverProcess(
                    ["-l", "127.0.0.1:\(port)", "--fdname=http", Paths.droverd, "-w", "1"] + arguments + [
                        "testapp:app"
                    ],
                    executable: "/usr/bin/systemd-socket-activate"
                )
                try activator.waitForLog("Listening on 127.0.0.1:\(port)")
                // The first connection starts droverd; it waits in systemd's queue meanwhile.
                let response = try httpGet(port: port, timeout: 30)
                #expect(response.status == 200)
                try activator.waitForLog("Listening at: fd://http, fd 3 from systemd")
                // systemd-socket-activate execs droverd in its own process.
                #expect(
                    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(activator.pid)/exe"))?
                        .hasSuffix("droverd") == true
                )
                activator.signal(SIGTERM)
                #expect(try activator.waitForExit() == 0)
            }
            let wrong = try DroverProcess(
                ["-l", "127.0.0.1:\(port)", "--fdname=http", Paths.droverd, "-b", "fd://admin", "testapp:app"],
                executable: "/usr/bin/systemd-socket-activate"
            )
            try wrong.waitForLog("Listening on 127.0.0.1:\(port)")
            _ = try? httpGet(port: port, timeout: 5)
            try wrong.waitForLog("systemd passed no socket named 'admin' (passed: http)")
            wrong.signal(SIGTERM)
        }

        @Test("when stderr is the journal (JOURNAL_STREAM), droverd's lines carry <N> priorities")
        func journalPrefixes() throws {
            let drover = try DroverProcess(["-w", "1", "-b", "127.0.0.1:0", "testapp:app"], journal: true)
            try drover.waitForLog("All pools ready")
            #expect(drover.log.contains("<6>[") && drover.log.contains("[INFO] All pools ready"))
            #expect(try drover.stop() == 0)
            let plain = try DroverProcess(["-w", "1", "-b", "127.0.0.1:0", "testapp:app"])
            try plain.waitForLog("All pools ready")
            #expect(!plain.log.contains("<6>"))
            #expect(try plain.stop() == 0)
        }
    }
}
