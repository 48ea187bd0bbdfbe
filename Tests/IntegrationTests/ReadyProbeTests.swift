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
    /// `ready_probe` with a real Hypercorn serving the probe socket droverd gives each worker.
    @Suite("ready_probe")
    struct ReadyProbeTests {
        static func toml(bootTimeout: Int) -> String {
            """
            graceful_timeout = 5

            [pools.web]
            kind = "command"
            command = ["\(Paths.venvBin)/hypercorn", "--bind", "fd://{fd}", "--bind", "fd://{fd:probe}", "health_app:app"]
            bind = ["127.0.0.1:0"]
            workers = 1
            ready_probe = "/healthz"
            boot_timeout = \(bootTimeout)
            """
        }

        /// The `status` text of the pool's starting workers.
        func startingStatus(_ drover: DroverProcess) throws -> [String] {
            let reply = try drover.ctl("--json", "status").output.split(separator: "\n").last.map(String.init) ?? ""
            let pools = try JSONValue(parsing: reply)["result"]?["pools"]?.arrayValue ?? []
            let workers: [JSONValue] = pools.first?["workers"]?.arrayValue ?? []
            let starting = workers.filter { $0["state"]?.stringValue == "starting" }
            return starting.compactMap { $0["status"]?.stringValue }
        }

        @Test(
            "a Hypercorn worker that accepts but answers /healthz 503 is not ready; 200 makes it ready, at start and in a rollout; a probe that never passes rolls back"
        )
        func hypercorn() throws {
            let directory = try AppDirectory("ready-probe")
            try directory.copyFixtures(["health_app.py"])
            try directory.write("drover.toml", Self.toml(bootTimeout: 30))
            let healthy = directory.url.appendingPathComponent("healthy").path
            let drover = try DroverProcess([], in: directory.url)
            let port = try drover.port()

            // It serves the pool's port, yet droverd does not count it ready: its probe says 503.
            try waitFor("the worker to serve") { try? httpGet(port: port, timeout: 2).body == "gen 1" ? true : nil }
            try waitFor("a 503 probe answer") {
                try startingStatus(drover).contains("not ready: GET /healthz answered 503") ? true : nil
            }
            #expect(try drover.ctl("status", "--ready").status != 0)
            #expect(FileManager.default.createFile(atPath: healthy, contents: nil))
            try waitFor("ready") { try drover.ctl("status", "--ready").status == 0 ? true : nil }

            // A rollout waits for the new worker's probe: the old one is not retired meanwhile (the
            // new one, accepting on the shared socket, already gets connections, as in Gunicorn).
            let old = Set(drover.workers)
            try FileManager.default.removeItem(atPath: healthy)
            let restart = try Process.background(Paths.droverctl, ["--socket", drover.controlSocket, "restart", "web"])
            defer { restart.terminate() }
            try waitFor("generation 2 probed") {
                try startingStatus(drover).contains("not ready: GET /healthz answered 503") ? true : nil
            }
            #expect(Set(drover.workers).isSuperset(of: old))
            #expect(try drover.ctl("status", "--ready").status == 0)  // generation 1 still serves
            #expect(FileManager.default.createFile(atPath: healthy, contents: nil))
            try waitFor("the restart to finish") { restart.process.isRunning ? nil : true }
            #expect(restart.process.terminationStatus == 0, "\(restart.output)")
            try waitFor("generation 1 to go") { Set(drover.workers).isDisjoint(with: old) ? true : nil }
            #expect(try httpGet(port: port, timeout: 5).body == "gen 2")

            // A generation whose probe never passes fails at its boot timeout; generation 2 serves on.
            try FileManager.default.removeItem(atPath: healthy)
            try directory.write("drover.toml", Self.toml(bootTimeout: 3))
            let second = Set(drover.workers)
            let reload = try drover.ctl("reload")
            #expect(reload.status != 0)
            #expect(
                reload.error.contains("ready_probe never passed (last: GET /healthz answered 503)"),
                "\(reload.error)"
            )
            // The rolled-back worker drains and goes (it accepted on the shared socket while starting).
            try waitFor("generation 3 to go") { Set(drover.workers) == second ? true : nil }
            #expect(try httpGet(port: port, timeout: 5).body == "gen 2")
            #expect(try drover.stop() == 0)
        }

        @Test(
            "the uvicorn kind serves its probe socket by itself: /pid passes; a reload to a path that answers 404 rolls back"
        )
        func uvicornKind() throws {
            let directory = try AppDirectory("ready-probe-uvicorn")
            try directory.copyFixtures(["testapp.py"])
            func toml(_ path: String) -> String {
                """
                graceful_timeout = 5

                [pools.web]
                app = "testapp:app"
                bind = ["127.0.0.1:0"]
                workers = 1
                ready_probe = "\(path)"
                boot_timeout = 5
                """
            }
            try directory.write("drover.toml", toml("/pid"))
            let drover = try DroverProcess([], in: directory.url)
            try waitFor("ready") { try drover.ctl("status", "--ready").status == 0 ? true : nil }
            let worker = drover.workers
            try directory.write("drover.toml", toml("/nope"))
            let reload = try drover.ctl("reload")
            #expect(reload.status != 0)
            #expect(reload.error.contains("ready_probe never passed (last: GET /nope answered 404)"), "\(reload.error)")
            #expect(try httpGet(port: try drover.port(), timeout: 5).status == 200)
            #expect(Set(drover.workers).isSuperset(of: worker))
            #expect(try drover.stop() == 0)
        }
    }
}
