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
    /// The ops listener (`--ops-bind`) of a real droverd: liveness, readiness, status, bad input.
    @Suite("Ops listener")
    struct OpsTests {
        /// One GET on the ops socket.
        func ops(_ socket: String, _ path: String, timeout: Double = 5) throws -> HTTPResponse {
            try HTTPConnection(unixPath: socket, timeout: timeout).get(path)
        }

        @Test(
            "/readyz agrees with status --ready: 503 with the reason while a pool is short of ready workers and during a stop, 200 otherwise"
        )
        func readiness() throws {
            let directory = try AppDirectory("ops-ready")
            try directory.copyFixtures(["health_app.py"])
            let socket = directory.url.appendingPathComponent("ops.sock").path
            let healthy = directory.url.appendingPathComponent("healthy").path
            #expect(FileManager.default.createFile(atPath: healthy, contents: nil))
            try directory.write(
                "drover.toml",
                """
                ops_bind = "unix:\(socket)"
                graceful_timeout = 10

                [pools.web]
                app = "health_app:app"
                bind = ["127.0.0.1:0"]
                workers = 1
                ready_probe = "/healthz"
                """
            )
            let drover = try DroverProcess([], in: directory.url)
            try waitFor("ready") { try? ops(socket, "/readyz").status == 200 ? true : nil }
            #expect(try ops(socket, "/readyz").body == "{\"ready\":true}\n")
            #expect(try drover.ctl("status", "--ready").status == 0)
            #expect(try ops(socket, "/livez").body == "ok\n")
            let status = try JSONValue(parsing: try ops(socket, "/status").body)
            #expect(status["result"]?["pools"]?.arrayValue?.first?["ready"]?.intValue == 1)

            // A second worker that cannot pass its probe: short of ready workers, both say so.
            try FileManager.default.removeItem(atPath: healthy)
            let scale = try Process.background(
                Paths.droverctl,
                ["--socket", drover.controlSocket, "scale", "web", "2"]
            )
            defer { scale.terminate() }
            try waitFor("503") { try ops(socket, "/readyz").status == 503 ? true : nil }
            #expect(
                try ops(socket, "/readyz").body
                    == "{\"ready\":false,\"reason\":\"pool web has 1 of 2 workers ready\"}\n"
            )
            #expect(try drover.ctl("status", "--ready").status != 0)
            #expect(FileManager.default.createFile(atPath: healthy, contents: nil))
            try waitFor("the scale to finish") { scale.process.isRunning ? nil : true }
            #expect(try ops(socket, "/readyz").status == 200)

            // During a graceful stop (a slow request keeps a worker draining): 503, droverd is stopping.
            let port = try drover.port()
            let slow = try HTTPConnection(port: port, timeout: 30)
            try slow.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            try waitFor("the slow request to start") { drover.output.contains("GET /slow") ? true : nil }
            drover.signal(SIGTERM)
            try waitFor("stopping") {
                try ops(socket, "/readyz").body.contains("droverd is stopping") ? true : nil
            }
            #expect(try ops(socket, "/readyz").status == 503)
            #expect(try ops(socket, "/livez").status == 200)
            #expect(try drover.waitForExit() == 0)
            #expect(!FileManager.default.fileExists(atPath: socket))
        }

        @Test(
            "/livez fails while droverd is SIGSTOPped; bad HTTP, other methods and paths get 400, 405, 404; connections are bounded; idle means no wake-ups"
        )
        func livenessAndBadInput() throws {
            let directory = try AppDirectory("ops-live")
            let socket = directory.url.appendingPathComponent("ops.sock").path
            let drover = try DroverProcess(
                ["-w", "1", "-b", "127.0.0.1:0", "--ops-bind", "unix:\(socket)", "--timeout", "0", "testapp:app"]
            )
            try drover.waitForReady(1)
            try waitFor("the ops listener") { try? ops(socket, "/livez").status == 200 ? true : nil }

            drover.signal(SIGSTOP)
            try waitFor("droverd stopped") { ProcessStats.state(drover.pid) == "T" ? true : nil }
            #expect(throws: (any Error).self) { try ops(socket, "/livez", timeout: 1) }
            drover.signal(SIGCONT)
            try waitFor("alive again") { try? ops(socket, "/livez").status == 200 ? true : nil }

            let garbage = try HTTPConnection(unixPath: socket, timeout: 5)
            try garbage.send("NOT HTTP AT ALL\r\n\r\n")
            #expect(try garbage.readResponse().status == 400)
            let post = try HTTPConnection(unixPath: socket, timeout: 5)
            try post.send("POST /readyz HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
            #expect(try post.readResponse().status == 405)
            #expect(try ops(socket, "/nowhere?x=1").status == 404)
            #expect(try ops(socket, "/metrics?x=1").status == 200)
            let big = try HTTPConnection(unixPath: socket, timeout: 5)
            // 70 KiB of a 100 KB body: past the limit, answered before the rest comes.
            try big.send(
                "GET /livez HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"
                    + String(repeating: "x", count: 70_000)
            )
            #expect(try big.readResponse().status == 413)

            // 64 connections at most: of 70 held open at once, the ones past the limit are closed.
            do {
                let held = try (0..<70).map { _ in try HTTPConnection(unixPath: socket, timeout: 5) }
                let answered = held.filter { (try? $0.get("/livez").status) == 200 }.count
                #expect(answered <= 64)
                #expect(answered >= 60)  // (a few of the connections above may not be counted out yet)
            }
            try waitFor("room again") { try? ops(socket, "/livez").status == 200 ? true : nil }
            #expect(try httpGet(port: try drover.port(), "/pid").status == 200)

            // Idle (no heartbeat checks, no clients): the ops listener does not wake droverd up.
            let before = ProcessStats.contextSwitches(drover.pid)
            Thread.sleep(forTimeInterval: 2)
            #expect(ProcessStats.contextSwitches(drover.pid) - before <= 2)
            #expect(try drover.stop() == 0)
        }
    }
}
