//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Readiness that means serving (issue 13): health checks and rollouts of command pools.
extension Integration {
    @Suite("Readiness that means serving")
    struct ReadinessTests {
        /// An app directory with the fixtures the command workers run, and a drover.toml.
        func appDirectory(_ name: String, _ toml: String) throws -> AppDirectory {
            let directory = try AppDirectory(name)
            try directory.copyFixtures(["fd_server.py", "tiny_http.py"])
            // An ASGI app whose lifespan startup takes STARTUP_DELAY seconds.
            try directory.write(
                "slow_app.py",
                """
                import asyncio, os

                async def app(scope, receive, send):
                    if scope["type"] == "lifespan":
                        while True:
                            message = await receive()
                            if message["type"] == "lifespan.startup":
                                await asyncio.sleep(float(os.environ.get("STARTUP_DELAY", "0")))
                                await send({"type": "lifespan.startup.complete"})
                            elif message["type"] == "lifespan.shutdown":
                                await send({"type": "lifespan.shutdown.complete"})
                                return
                    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"8")]})
                    await send({"type": "http.response.body", "body": b"slow app"})

                """
            )
            try directory.write("drover.toml", toml)
            return directory
        }

        /// The boot times droverd logged (`… ready in 1.061s`), in order.
        func bootTimes(_ log: String, pool: String) -> [Double] {
            log.split(separator: "\n").filter { $0.contains("Worker \(pool)[") && $0.contains(" ready in ") }.compactMap
            {
                Double($0.components(separatedBy: " ready in ")[1].dropLast())
            }
        }

        func ports(_ drover: DroverProcess) -> [Int] {
            drover.log.split(separator: "\n").filter { $0.contains("Listening at: http://127.0.0.1:") }.map {
                Int($0.components(separatedBy: "127.0.0.1:")[1].split(separator: " ")[0])!
            }
        }

        @Test(
            "scale to 0 of a pool with binds is refused unless --allow-zero; at 0 status --ready fails; a pool without binds may be 0"
        )
        func scaleToZero() throws {
            let directory = try appDirectory(
                "zero",
                """
                [pools.web]
                kind = "command"
                command = ["\(Paths.python)", "fd_server.py", "{fd}"]
                bind = ["127.0.0.1:0"]
                workers = 1

                [pools.jobs]
                kind = "command"
                command = ["sleep", "1000"]
                workers = 1
                """
            )
            let drover = try DroverProcess([], in: directory.url)
            try drover.waitForLog("All pools ready")
            #expect(try drover.ctl("status", "--ready").status == 0)

            let refused = try drover.ctl("scale", "web", "0")
            #expect(refused.status != 0)
            #expect(refused.error.contains("refusing to scale web to 0 workers"))
            #expect(refused.error.contains("--allow-zero"))
            #expect(refused.error.split(separator: "\n").count == 1)
            #expect(try drover.ctl("scale", "web", "-1").status != 0)
            #expect(drover.logCount("Scaled web") == 0)
            #expect(try drover.ctl("status", "--ready").status == 0)

            #expect(try drover.ctl("scale", "jobs", "0").status == 0)
            #expect(try drover.ctl("status", "--ready").status == 0)

            let allowed = try drover.ctl("scale", "web", "0", "--allow-zero")
            #expect(allowed.status == 0)
            #expect(allowed.output == "web: 0 workers, 0 ready\n")
            #expect(try drover.ctl("status", "--ready").status == 1)
            let status = try drover.ctl("--json", "status", "web")
            #expect(status.output.contains(#""serving":false"#))
            #expect(try drover.ctl("status").output.contains("running, not serving"))

            #expect(try drover.ctl("scale", "web", "1").status == 0)
            #expect(try drover.ctl("status", "--ready").status == 0)
            #expect(try drover.stop() == 0)
        }

        @Test("a command worker is ready once it accepts: a 1 s start delays readiness, start-up and the rollout")
        func slowStart() throws {
            let directory = try appDirectory(
                "slow",
                """
                graceful_timeout = 5
                timeout = 0
                # The page-out of start-up code runs once the pools are up, and its page faults
                # would land in the idle window below (the benchmarks count idle wake-ups with it on).
                page_out_code = false

                [pools.web]
                kind = "command"
                command = ["sh", "-c", "sleep 1; exec '\(Paths.python)' fd_server.py 3"]
                bind = ["127.0.0.1:0"]
                workers = 2
                """
            )
            let drover = try DroverProcess([], in: directory.url)
            try drover.waitForLog("All pools ready")
            let port = try drover.port()
            #expect(try httpGet(port: port, timeout: 5).status == 200)
            let times = bootTimes(drover.log, pool: "web")
            #expect(times.count == 2)
            #expect(times.allSatisfy { $0 >= 1.0 })
            let old = Set(drover.workers)

            // Once every worker is ready droverd stops looking (it polled every 50 ms meanwhile):
            // idle, with no heartbeat check, it does not wake up at all.
            let before = ProcessStats.contextSwitches(drover.pid)
            Thread.sleep(forTimeInterval: 2)
            #expect(ProcessStats.contextSwitches(drover.pid) - before <= 2)

            let restart = try drover.ctl("--json", "restart", "web")
            #expect(restart.status == 0)
            // Events stream first; the answer is the last line.
            let answer = restart.output.split(separator: "\n").last.map(String.init) ?? ""
            let reply = try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any]
            let outcome = ((reply?["result"] as? [String: Any])?["pools"] as? [[String: Any]])?.first
            #expect((outcome?["duration_s"] as? Double ?? 0) >= 1.0)
            // The log is written by droverd's log writer, which may trail the reply a little.
            try waitFor("the new workers' boot times in the log") {
                bootTimes(drover.log, pool: "web").count >= 4 ? true : nil
            }
            #expect(bootTimes(drover.log, pool: "web").count == 4)
            #expect(bootTimes(drover.log, pool: "web").allSatisfy { $0 >= 1.0 })
            try waitFor("the old workers to exit") { Set(drover.workers).isDisjoint(with: old) ? true : nil }
            #expect(try httpGet(port: port, timeout: 5).status == 200)
            #expect(try drover.stop() == 0)
        }

        @Test(
            "a reload to a command that exits at once fails: droverctl reload exits non-zero, the old workers serve on"
        )
        func brokenReload() throws {
            let serving = """
                [pools.web]
                kind = "command"
                command = ["\(Paths.python)", "fd_server.py", "{fd}"]
                bind = ["127.0.0.1:0"]
                workers = 2
                boot_timeout = 2

                """
            let directory = try appDirectory("broken", serving)
            let drover = try DroverProcess([], in: directory.url)
            try drover.waitForLog("All pools ready")
            let port = try drover.port()
            let old = Set(drover.workers)
            #expect(old.count == 2)

            try directory.write(
                "drover.toml",
                serving.replacingOccurrences(
                    of: "[\"\(Paths.python)\", \"fd_server.py\", \"{fd}\"]",
                    with: "[\"false\"]"
                )
            )
            let reload = try drover.ctl("reload")
            #expect(reload.status != 0)
            #expect(reload.error.contains("rollout_failed"))
            #expect(reload.error.contains("before it was ready"))
            try drover.waitForLog("Rollout of web generation 2 failed")
            #expect(Set(drover.workers).isSuperset(of: old))
            #expect(try httpGet(port: port, timeout: 5).status == 200)
            #expect(try drover.ctl("status", "--ready").status == 0)

            // A command that runs but never accepts misses the boot timeout: the rollout fails too.
            try directory.write(
                "drover.toml",
                serving.replacingOccurrences(
                    of: "[\"\(Paths.python)\", \"fd_server.py\", \"{fd}\"]",
                    with: "[\"sleep\", \"1000\"]"
                )
            )
            let stuck = try drover.ctl("reload")
            #expect(stuck.status != 0)
            #expect(stuck.error.contains("was not ready within the boot timeout"))
            #expect(stuck.error.contains("never seen accepting on its socket"))
            try waitFor("the stuck workers to go") { Set(drover.workers) == old ? true : nil }
            #expect(try httpGet(port: port, timeout: 5).status == 200)
            #expect(try drover.stop() == 0)
        }

        @Test("other servers on {fd} are observed too: uvicorn --fd (epoll, 1 s lifespan) and http.server (poll)")
        func otherServers() throws {
            let directory = try appDirectory(
                "servers",
                """
                graceful_timeout = 5

                [pools.uv]
                kind = "command"
                command = ["\(Paths.venvBin)/uvicorn", "--fd", "{fd}", "slow_app:app"]
                bind = ["uv=127.0.0.1:0"]
                env = { STARTUP_DELAY = "1" }

                [pools.files]
                kind = "command"
                command = [
                    "\(Paths.python)", "-c",
                    "import http.server, socket; s = http.server.HTTPServer(('', 0), http.server.SimpleHTTPRequestHandler, bind_and_activate=False); s.socket = socket.socket(fileno={fd}); s.serve_forever()",
                ]
                bind = ["files=127.0.0.1:0"]
                """
            )
            let drover = try DroverProcess([], in: directory.url)
            try drover.waitForLog("All pools ready")
            let ports = ports(drover)
            #expect(ports.count == 2)
            #expect(bootTimes(drover.log, pool: "uv").allSatisfy { $0 >= 1.0 })
            #expect(try httpGet(port: ports[0], timeout: 5).body == "slow app")
            #expect(try httpGet(port: ports[1], "/drover.toml", timeout: 5).status == 200)

            let restart = try drover.ctl("--json", "restart")
            #expect(restart.status == 0)
            #expect(bootTimes(drover.log, pool: "uv").count == 4)
            #expect(bootTimes(drover.log, pool: "uv").allSatisfy { $0 >= 1.0 })
            #expect(bootTimes(drover.log, pool: "files").count == 4)
            #expect(try httpGet(port: ports[0], timeout: 5).body == "slow app")
            #expect(try drover.stop() == 0)
        }
    }
}
