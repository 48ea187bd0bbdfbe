//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Real droverd, real Uvicorn workers, real loopback sockets.
extension Integration {
    @Suite("Pools of real workers")
    struct PoolTests {
        @Test("N uvicorn workers serve on one port: requests reach every worker")
        func sharedSocket() throws {
            let drover = try DroverProcess(["-w", "2", "-b", "127.0.0.1:0", "testapp:app"])
            let workers = try drover.waitForReady(2)
            #expect(workers.count == 2)
            let port = try drover.port()
            var seen: Set<Int32> = []
            try waitFor("both workers to answer (seen \(seen))") {
                if let pid = workerPID(try httpGet(port: port, "/pid")) { seen.insert(pid) }
                return seen.count == 2 ? true : nil
            }
            #expect(seen == Set(workers))
            let hello = try httpGet(port: port, "/")
            #expect(hello.status == 200)
            #expect(hello.body == #"{"message":"Hello World!"}"#)
            #expect(try drover.stop() == 0)
        }

        @Test("the example app answers GET / with Hello World")
        func exampleApp() throws {
            let drover = try DroverProcess(["-b", "127.0.0.1:0", "main:app"], in: Paths.example)
            try drover.waitForReady(1)
            let response = try httpGet(port: try drover.port(), "/")
            #expect(response.status == 200)
            #expect(response.body == #"{"message":"Hello World!"}"#)
            #expect(try drover.stop() == 0)
        }

        @Test("kill -9 of a worker: replaced in the same slot and serving")
        func killWorker() throws {
            let drover = try DroverProcess(["-w", "2", "-b", "127.0.0.1:0", "testapp:app"])
            let before = try drover.waitForReady(2)
            let port = try drover.port()
            let victim = before[0]
            kill(victim, SIGKILL)
            try drover.waitForLog("pid \(victim) exited unexpectedly: killed by SIGKILL")
            try drover.waitForReady(3)
            let after = drover.workers
            #expect(after.count == 2)
            #expect(!after.contains(victim))
            let replacement = Set(after).subtracting(before).first!
            try waitFor("the replacement to serve") {
                workerPID(try httpGet(port: port, "/pid")) == replacement ? true : nil
            }
            #expect(try drover.stop() == 0)
        }

        @Test("TTIN adds a worker that serves; TTOU retires the highest slot")
        func ttinTtou() throws {
            let drover = try DroverProcess(["-w", "1", "-b", "127.0.0.1:0", "testapp:app"])
            try drover.waitForReady(1)
            let port = try drover.port()
            drover.signal(SIGTTIN)
            try drover.waitForLog("Scaled web from 1 to 2 workers")
            try drover.waitForReady(2)
            #expect(drover.workers.count == 2)
            try waitFor("slot 1 to serve") {
                try httpGet(port: port, "/pid").body.split(separator: " ")[1] == "1" ? true : nil
            }
            drover.signal(SIGTTOU)
            try drover.waitForLog("Scaled web from 2 to 1 workers")
            try drover.waitForLog("web[1] gen 1")
            try waitFor("one worker left") { drover.workers.count == 1 ? true : nil }
            // TTOU never goes below one worker.
            drover.signal(SIGTTOU)
            drover.signal(SIGTTIN)
            try drover.waitForLog("Scaled web from 1 to 2 workers", count: 2)
            #expect(drover.logCount("Scaled web from 1 to 0") == 0)
            #expect(try drover.stop() == 0)
        }

        @Test("a command worker gets its socket at fd 3 with LISTEN_FDS, LISTEN_PID = its pid, and no other fd")
        func commandWorker() throws {
            let drover = try DroverProcess(
                ["-k", "command", "-w", "2", "-b", "127.0.0.1:0", "--", Paths.python, "fd_server.py"]
            )
            let workers = try drover.waitForReady(2)
            let port = try drover.port()
            let facts = try JSONSerialization.jsonObject(with: Data(httpGet(port: port).body.utf8)) as! [String: Any]
            let pid = facts["pid"] as! Int
            #expect(workers.contains(Int32(pid)))
            #expect(facts["listen_fds"] as? String == "1")
            #expect(facts["listen_pid"] as? String == String(pid))
            #expect(facts["listen_fdnames"] as? String == "bind0")
            #expect(facts["pool"] as? String == "web")
            #expect(["0", "1"].contains(facts["index"] as? String))
            #expect(facts["generation"] as? String == "1")
            // 0-2, the socket at 3, and the one listdir opened to list them.
            #expect((facts["open_fds"] as! [Int]).count == 5)
            #expect(try drover.stop() == 0)
        }

        @Test("a command worker finds its socket through the {fd} placeholder; READY=1 over NOTIFY_SOCKET counts")
        func commandPlaceholder() throws {
            let drover = try DroverProcess(
                ["-k", "command", "--wait-ready", "-b", "127.0.0.1:0", "--", Paths.python, "fd_server.py", "{fd}"],
                environment: ["FD_SERVER_READY": "1"]
            )
            try drover.waitForReady(1)
            let facts =
                try JSONSerialization.jsonObject(with: Data(httpGet(port: try drover.port()).body.utf8))
                as! [String: Any]
            #expect(facts["fd"] as? Int == 3)
            #expect(try drover.stop() == 0)
        }

        @Test("several binds: TCP and a Unix socket, both served by every worker")
        func unixSocket() throws {
            let directory = try Paths.temporaryDirectory("unix")
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("app.sock").path
            let drover = try DroverProcess(["-w", "2", "-b", "127.0.0.1:0", "-b", "unix:\(path)", "testapp:app"])
            try drover.waitForReady(2)
            try drover.waitForLog("Listening at: unix:\(path)")
            let response = try HTTPConnection(unixPath: path).get("/")
            #expect(response.status == 200)
            #expect(try httpGet(port: try drover.port()).status == 200)
            #expect(try drover.stop() == 0)
            #expect(!FileManager.default.fileExists(atPath: path))
        }

        @Test("IPv6: [::1] is bound and served")
        func ipv6() throws {
            let drover = try DroverProcess(["-b", "[::1]:0", "testapp:app"])
            try drover.waitForReady(1)
            let line = try drover.waitForLog("Listening at: http://[::1]:")
            let port = Int(line.components(separatedBy: "]:")[1].split(separator: " ")[0])!
            #expect(try HTTPConnection(port: port, host: "::1").get("/").status == 200)
            #expect(try drover.stop() == 0)
        }

        @Test(
            "as PID 1 in its own PID namespace, droverd reaps orphaned grandchildren and stops cleanly on TERM",
            .enabled(if: geteuid() == 0, "unshare --pid --mount-proc needs root")
        )
        func pidOne() throws {
            let unshare = try DroverProcess(
                [
                    "--pid", "--fork", "--mount-proc", Paths.droverd, "-k", "command", "--log-level", "debug",
                    "-b", "127.0.0.1:0", "--", Paths.python, "orphan_maker.py",
                ],
                executable: "/usr/bin/unshare"
            )
            let droverd = try waitFor("droverd under unshare (or unshare failing)") { () -> Int32? in
                if !unshare.process.isRunning { return -1 }
                return childPIDs(of: unshare.pid).first
            }
            try #require(droverd > 0, "unshare --pid could not run here: \(unshare.log)")
            try unshare.waitForLog("Listening at: http://127.0.0.1:")
            #expect(unshare.log.contains("] [1] [INFO] Listening at"))
            let line = try unshare.waitForLog("orphan pid ")
            let orphan = line.components(separatedBy: "orphan pid ")[1]
            try unshare.waitForLog("Reaped orphan pid \(orphan): exit 0")
            kill(droverd, SIGTERM)
            #expect(try unshare.waitForExit() == 0)
            #expect(unshare.log.contains("Stopped"))
        }

        @Test("orphans re-parented to droverd are reaped")
        func orphans() throws {
            let drover = try DroverProcess(
                ["-k", "command", "--log-level", "debug", "-b", "127.0.0.1:0", "--", Paths.python, "orphan_maker.py"]
            )
            let line = try drover.waitForLog("orphan pid ")
            let digits = line.components(separatedBy: "orphan pid ")[1].prefix { $0.isNumber }
            let orphan = try #require(Int32(digits), "\(line)")
            try drover.waitForLog("Reaped orphan pid \(orphan)")
            #expect(!FileManager.default.fileExists(atPath: "/proc/\(orphan)"))
            #expect(try drover.stop() == 0)
        }

        @Test("bad configuration: one line naming the culprit, exit 2, nothing started")
        func badConfiguration() throws {
            let cases: [([String], String)] = [
                (["-w", "abc", "main:app"], "--workers: 'abc' is not a whole number"),
                (["-b", "[::1", "main:app"], "bind '[::1': missing ']'"),
                (["-k", "gevent", "main:app"], "--worker-class: 'gevent' is not a worker kind"),
                (["main"], "APP_MODULE: 'main' is not MODULE:VARIABLE"),
                (["--timeout", "1e309", "main:app"], "--timeout: '1e309' is not a number of seconds"),
                (["-k", "command"], "--worker-class command needs the program after --"),
                (["--no-such-flag", "main:app"], "unknown option '--no-such-flag'"),
            ]
            for (arguments, message) in cases {
                let drover = try DroverProcess(arguments)
                #expect(try drover.waitForExit() == 2, "\(arguments)")
                let log = drover.log.trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(log.hasPrefix("droverd: "), "\(arguments): \(log)")
                #expect(log.contains(message), "\(arguments): \(log)")
                #expect(!log.contains("\n"), "\(arguments): \(log)")
            }
        }

        @Test("a port in use: droverd says so and exits 1")
        func portInUse() throws {
            let first = try DroverProcess(["-b", "127.0.0.1:0", "testapp:app"])
            let port = try first.port()
            let second = try DroverProcess(["-b", "127.0.0.1:\(port)", "testapp:app"])
            #expect(try second.waitForExit() == 1)
            #expect(second.log.contains("bind 127.0.0.1:\(port): Address already in use"))
            #expect(try first.stop() == 0)
        }
    }
}
