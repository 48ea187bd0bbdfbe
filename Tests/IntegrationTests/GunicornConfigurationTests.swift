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
    /// Gunicorn configuration files and flags with real droverd processes and workers.
    @Suite("Gunicorn configuration files, hooks and flags")
    struct GunicornConfigurationTests {
        /// Waits until `droverctl status --ready` says every worker is ready.
        func waitUntilReady(_ drover: DroverProcess) throws {
            try drover.waitUntilReady()
        }

        /// The command lines of droverd's live children.
        func commandLines(_ drover: DroverProcess) -> [String] {
            drover.workers.compactMap { pid in
                (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")))
                    .map { String(decoding: $0, as: UTF8.self).replacingOccurrences(of: "\0", with: " ") }
            }
        }

        @Test("the image's /gunicorn_conf.py: droverd computes the count the file printed, from the CPU budget")
        func imageConfiguration() throws {
            let directory = try AppDirectory("image-conf")
            try directory.namedApp("main.py", name: "conf")
            try directory.write(
                "gunicorn_conf.py",
                try String(
                    contentsOf: Paths.root.appendingPathComponent("packaging/docker/gunicorn_conf.py"),
                    encoding: .utf8
                )
            )
            /// `--check-config`: the count the file printed, and droverd's report of the pool.
            func check(_ environment: [String: String]) throws -> (printed: Int?, pool: JSONValue?) {
                let check = try DroverProcess(
                    ["--check-config"],
                    in: directory.url,
                    environment: environment,
                    unsetting: Set(
                        ["WEB_CONCURRENCY", "WORKERS_PER_CORE", "MAX_WORKERS"].filter { environment[$0] == nil }
                    )
                )
                #expect(try check.waitForExit() == 0, "\(check.log)")
                let line = check.log.split(separator: "\n").first { $0.contains("workers_per_core") }
                let printed = try line.map { try JSONValue(parsing: String($0))["workers"]?.intValue }
                let report = try JSONValue(parsing: check.output)
                return (printed ?? nil, report["config"]?["pools"]?.arrayValue?.first)
            }
            let computed = try check(["WORKERS_PER_CORE": "3", "MAX_WORKERS": "5"])
            #expect(computed.printed != nil && computed.pool?["workers"]?.intValue == computed.printed)
            #expect(computed.pool?["workers_from_cpu_budget"]?.boolValue == true)
            let fixed = try check(["WEB_CONCURRENCY": "4"])
            #expect(fixed.printed == 4 && fixed.pool?["workers"]?.intValue == 4)
            #expect(fixed.pool?["workers_from_cpu_budget"]?.boolValue == false)
        }

        @Test(
            "gunicorn_conf.py in the app directory, as the seed finds it: its values, its output, its name in the workers"
        )
        func seedFixture() throws {
            let directory = try AppDirectory("gunicorn-conf")
            try directory.namedApp("main.py", name: "conf")
            let port = freePort()
            // The seed's test configuration (uvicorn-gunicorn-docker tests/test_02_app), on a free port.
            try directory.write(
                "gunicorn_conf.py",
                """
                import json

                loglevel = "warning"
                workers = 3
                bind = "127.0.0.1:\(port)"
                errorlog = "-"
                log_data = {"loglevel": loglevel, "workers": workers, "bind": bind}
                print(json.dumps(log_data))

                """
            )
            let drover = try DroverProcess([], in: directory.url, unsetting: ["WEB_CONCURRENCY"])
            try waitUntilReady(drover)
            #expect(
                drover.output.contains(#"\#n{"loglevel": "warning", "workers": 3, "bind": "127.0.0.1:\#(port)"}\#n"#)
            )
            #expect(try httpGet(port: port).body == "conf web -")
            #expect(drover.workers.count == 3)
            // `docker top` shows the workers as Gunicorn's: their command lines name the file.
            #expect(commandLines(drover).allSatisfy { $0.contains("--gunicorn-config gunicorn_conf.py") })
            #expect(!drover.log.contains("[INFO]"), "loglevel = \"warning\" applies to droverd too")
            // --check-config's stdout stays JSON: what the file prints goes to stderr then.
            let check = try DroverProcess(["--check-config"], in: directory.url, unsetting: ["WEB_CONCURRENCY"])
            #expect(try check.waitForExit() == 0)
            #expect(check.output.hasPrefix("{\"config\""), "\(check.output)")
            #expect(check.log.contains(#"{"loglevel": "warning", "workers": 3"#))
            let config = try drover.ctl("config", "--json")
            #expect(config.output.contains(#""workers":"file:gunicorn_conf.py""#))
            #expect(try drover.stop() == 0)
        }

        @Test(
            "hooks run when Gunicorn runs them: on_starting, when_ready, pre_fork, post_fork, post_worker_init, child_exit, nworkers_changed, worker_exit, on_exit"
        )
        func hooks() throws {
            let directory = try AppDirectory("gunicorn-hooks")
            try directory.namedApp("main.py", name: "hooks")
            let events = directory.path + "/events.log"
            try directory.write(
                "gunicorn.conf.py",
                """
                import os

                bind = "127.0.0.1:0"
                workers = 2
                loglevel = "info"
                EVENTS = \(String(reflecting: events))

                def note(*words):
                    with open(EVENTS, "a") as f:
                        f.write(" ".join(str(w) for w in words) + "\\n")

                def on_starting(server):
                    note("on_starting", server.pid, server.cfg.workers)

                def when_ready(server):
                    note("when_ready", server.num_workers)

                def pre_fork(server, worker):
                    note("pre_fork", worker.age)

                def post_fork(server, worker):
                    note("post_fork", worker.pid == os.getpid())

                def post_worker_init(worker):
                    note("post_worker_init", worker.pid)

                def child_exit(server, worker):
                    note("child_exit", worker.pid)

                def nworkers_changed(server, new_value, old_value):
                    note("nworkers_changed", new_value, old_value)

                def worker_exit(server, worker):
                    note("worker_exit", worker.pid)

                def on_exit(server):
                    note("on_exit")

                """
            )
            let drover = try DroverProcess([], in: directory.url, unsetting: ["WEB_CONCURRENCY"])
            try waitUntilReady(drover)
            func lines() -> [String] {
                ((try? String(contentsOfFile: events, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
            }
            try waitFor("two post_worker_init\n\(lines())") {
                lines().filter { $0.hasPrefix("post_worker_init") }.count == 2 ? true : nil
            }
            #expect(lines().first == "nworkers_changed 2 None")
            #expect(lines().contains("on_starting \(drover.pid) 2"))
            #expect(lines().contains("when_ready 2"))
            #expect(lines().filter { $0.hasPrefix("pre_fork ") }.count == 2)
            #expect(lines().filter { $0 == "post_fork True" }.count == 2)
            // A worker killed: child_exit with its pid, and no worker_exit (as Gunicorn: not on SIGKILL).
            // (No force unwrap: a crash of the test process would leave its droverd running.)
            let first = try #require(lines().first { $0.hasPrefix("post_worker_init ") })
            let victim = try #require(Int32(first.split(separator: " ")[1]))
            kill(victim, SIGKILL)
            try waitFor("child_exit \(victim)\n\(lines())") { lines().contains("child_exit \(victim)") ? true : nil }
            #expect(!lines().contains("worker_exit \(victim)"))
            drover.signal(SIGTTIN)
            try waitFor("nworkers_changed 3 2\n\(lines())") { lines().contains("nworkers_changed 3 2") ? true : nil }
            try waitFor("three post_worker_init after the kill\n\(lines())") {
                lines().filter { $0.hasPrefix("post_worker_init") }.count == 4 ? true : nil
            }
            let remaining = lines().filter { $0.hasPrefix("post_worker_init ") }.compactMap {
                Int32($0.split(separator: " ")[1])
            }
            .filter { $0 != victim }
            #expect(remaining.count == 3)
            try waitUntilReady(drover)
            #expect(try drover.stop() == 0)
            for pid in remaining {
                #expect(lines().contains("worker_exit \(pid)"), "\(lines())")
                #expect(lines().contains("child_exit \(pid)"), "\(lines())")
            }
            #expect(lines().last == "on_exit")
        }

        @Test(
            "a config that fails: one line naming the file and line, exit 2; on_starting that raises stops start-up; a bad reload keeps serving"
        )
        func failures() throws {
            let directory = try AppDirectory("gunicorn-fail")
            try directory.namedApp("main.py", name: "fail")
            try directory.write("gunicorn_conf.py", "workers = 2\nbind = '127.0.0.1:0'\nboom = undefined_name\n")
            let broken = try DroverProcess([], in: directory.url)
            #expect(try broken.waitForExit() == 2)
            #expect(
                broken.log.contains("droverd: gunicorn_conf.py:3: NameError: name 'undefined_name' is not defined"),
                "\(broken.log)"
            )
            try directory.write("gunicorn_conf.py", "workers = (\n")
            let syntax = try DroverProcess([], in: directory.url)
            #expect(try syntax.waitForExit() == 2)
            #expect(syntax.log.contains("gunicorn_conf.py:1: SyntaxError"), "\(syntax.log)")
            try directory.write(
                "gunicorn_conf.py",
                "bind = '127.0.0.1:0'\ndef on_starting(server):\n    raise RuntimeError('no database')\n"
            )
            let hook = try DroverProcess([], in: directory.url)
            #expect(try hook.waitForExit() == 1)
            #expect(hook.log.contains("droverd: on_starting failed: "), "\(hook.log)")
            #expect(hook.log.contains("RuntimeError: no database"))
            // when_ready that raises stops droverd too, as Gunicorn's start() does.
            try directory.write(
                "gunicorn_conf.py",
                "bind = '127.0.0.1:0'\ndef when_ready(server):\n    raise RuntimeError('not ready')\n"
            )
            let ready = try DroverProcess([], in: directory.url)
            #expect(try ready.waitForExit() == 1)
            #expect(ready.log.contains("Hook when_ready failed: "), "\(ready.log)")
            #expect(ready.log.contains("stopping, as Gunicorn does"))

            try directory.write("gunicorn_conf.py", "workers = 1\nbind = '127.0.0.1:0'\nloglevel = 'info'\n")
            let drover = try DroverProcess([], in: directory.url, unsetting: ["WEB_CONCURRENCY"])
            try waitUntilReady(drover)
            let port = try drover.port()
            try directory.write("gunicorn_conf.py", "workers = 1\nraise SystemExit(4)\n")
            let reload = try drover.ctl("reload")
            #expect(reload.status != 0)
            #expect(try httpGet(port: port).body == "fail web -")
            #expect(try drover.stop() == 0)
        }

        @Test(
            "GUNICORN_CMD_ARGS from deployment guides: no flag is unknown; the ignored ones say so; the others take effect"
        )
        func commonFlags() throws {
            let directory = try AppDirectory("gunicorn-flags")
            try directory.namedApp("main.py", name: "flags")
            let arguments = [
                "--bind 127.0.0.1:0", "--workers 1", "--forwarded-allow-ips '*'", "--worker-tmp-dir /dev/shm",
                "--preload", "--backlog 512", "--threads 4", "--statsd-host localhost:8125", "--capture-output",
                "--reuse-port", "--env DROVER_TEST_VALUE=from-gunicorn", "--keep-alive 3", "-t 30",
                "--limit-request-line 4094", "--worker-connections 100", "--proxy-protocol",
            ]
            let drover = try DroverProcess(
                [],
                in: directory.url,
                environment: ["GUNICORN_CMD_ARGS": arguments.joined(separator: " ")],
                unsetting: ["WEB_CONCURRENCY"]
            )
            try waitUntilReady(drover)
            for ignored in ["--worker-tmp-dir", "--threads", "--statsd-host", "--capture-output"] {
                #expect(drover.log.contains("GUNICORN_CMD_ARGS: \(ignored) is ignored: "), "\(ignored)")
            }
            // --preload takes effect: the template imports the app, workers are forked from it.
            #expect(drover.log.contains("app preloaded"))
            #expect(
                commandLines(drover).allSatisfy {
                    $0.contains("--forwarded-allow-ips *") && $0.contains("--backlog 512")
                }
            )
            #expect(try drover.stop() == 0)
        }

        @Test(
            "a real Prometheus multiprocess config runs unchanged: on_starting clears the directory, child_exit marks a dead worker"
        )
        func prometheusMultiprocess() throws {
            let directory = try AppDirectory("gunicorn-prometheus")
            let metrics = directory.path + "/metrics"
            try FileManager.default.createDirectory(atPath: metrics + "/stale", withIntermediateDirectories: true)
            try directory.write(
                "gunicorn_conf.py",
                try String(
                    contentsOf: Paths.root.appendingPathComponent("python/tests/gunicorn_configs/prometheus_conf.py"),
                    encoding: .utf8
                )
            )
            try directory.write(
                "main.py",
                """
                import os

                from prometheus_client import CollectorRegistry, Gauge, generate_latest, multiprocess

                LIVE = Gauge("app_live_workers", "workers alive", multiprocess_mode="livesum")
                LIVE.inc()


                async def app(scope, receive, send):
                    if scope["type"] == "lifespan":
                        while True:
                            message = await receive()
                            if message["type"] == "lifespan.startup":
                                await send({"type": "lifespan.startup.complete"})
                            elif message["type"] == "lifespan.shutdown":
                                await send({"type": "lifespan.shutdown.complete"})
                                return
                    registry = CollectorRegistry()
                    multiprocess.MultiProcessCollector(registry)
                    body = generate_latest(registry) + f"pid {os.getpid()}\\n".encode()
                    headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
                    await send({"type": "http.response.start", "status": 200, "headers": headers})
                    await send({"type": "http.response.body", "body": body})

                """
            )
            let drover = try DroverProcess(
                [],
                in: directory.url,
                environment: [
                    "PROMETHEUS_MULTIPROC_DIR": metrics, "WEB_CONCURRENCY": "2",
                    "GUNICORN_CMD_ARGS": "--bind 127.0.0.1:0", "DROVER_OPS_BIND": "127.0.0.1:0",
                ]
            )
            try waitUntilReady(drover)
            #expect(!FileManager.default.fileExists(atPath: metrics + "/stale"), "on_starting cleared the directory")
            let port = try drover.port()
            func live() throws -> String? {
                try httpGet(port: port, "/metrics").body.split(separator: "\n")
                    .first { $0.hasPrefix("app_live_workers ") }.map(String.init)
            }
            let liveAtStart = try live()
            let response = try httpGet(port: port, "/metrics").body
            #expect(liveAtStart == "app_live_workers 2.0", "\(response)")
            let pidLine = try #require(response.split(separator: "\n").last { $0.hasPrefix("pid ") })
            let victim = try #require(Int32(pidLine.dropFirst(4)))
            kill(victim, SIGKILL)
            try waitFor("the dead worker's live gauge gone") {
                FileManager.default.fileExists(atPath: metrics + "/gauge_livesum_\(victim).db") ? nil : true
            }
            try waitUntilReady(drover)
            // Without child_exit, the dead worker's file would still count: 3.0.
            let liveNow = try live()
            #expect(liveNow == "app_live_workers 2.0")
            // droverd manages the user's directory too (its mark_process_dead and the hook's do not
            // clash) and serves the same merge: nothing counted twice.
            let served = try httpGet(port: try drover.opsPort(), "/metrics").body
            #expect(served.contains("\napp_live_workers 2.0\n"), "\(served)")
            #expect(!drover.log.contains("Hook child_exit failed"), "\(drover.log)")
            #expect(try drover.stop() == 0)
        }

        @Test(
            "droverd's own Gunicorn settings: --reuse-port lets another server bind the port; --umask sets the Unix socket's mode"
        )
        func socketSettings() throws {
            let directory = try AppDirectory("gunicorn-sockets")
            try directory.namedApp("main.py", name: "sockets")
            let port = freePort()
            let path = directory.path + "/app.sock"
            let drover = try DroverProcess(
                ["-w", "1", "-b", "127.0.0.1:\(port)", "-b", "unix:\(path)", "--reuse-port", "-m", "0o007"],
                in: directory.url
            )
            try waitUntilReady(drover)
            var info = stat()
            #expect(stat(path, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o770)
            // A second socket with SO_REUSEPORT binds the same port (a blue/green deploy's new server).
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            #expect(bound == 0, "bind with SO_REUSEPORT: errno \(errno)")
            #expect(try httpGet(port: port).body == "sockets web -")
            #expect(try drover.stop() == 0)
        }

        @Test(
            "a gunicorn.conf.py in the shape many projects use runs unchanged: typed hooks, server.log, when_ready, a Unix socket"
        )
        func typedHooksConfig() throws {
            let directory = try AppDirectory("gunicorn-typed")
            try directory.namedApp("main.py", name: "typed")
            try directory.write(
                "gunicorn.conf.py",
                try String(
                    contentsOf: Paths.root.appendingPathComponent("Tests/Fixtures/gunicorn/typed_hooks.conf.py"),
                    encoding: .utf8
                )
            )
            let socket = directory.path + "/app.sock"
            let ready = directory.path + "/initialized"
            let drover = try DroverProcess(
                [],
                in: directory.url,
                environment: ["TEST_SOCKET": socket, "TEST_READY_FILE": ready],
                unsetting: ["WEB_CONCURRENCY"]
            )
            try waitUntilReady(drover)
            #expect(FileManager.default.fileExists(atPath: ready))
            let workers = try drover.waitForLog("Worker spawned (pid: ", count: 2)
            #expect(workers.contains("] [INFO] Worker spawned (pid: "))
            #expect(drover.log.contains("Server is ready. Spawning workers"))
            #expect(drover.log.contains("app preloaded"))  // preload_app = True forks from a template
            #expect(drover.log.contains("gunicorn.conf.py: pre_exec is ignored: "))
            let response = try HTTPConnection(unixPath: socket).get("/")
            #expect(response.body == "typed web -")
            try waitFor("the access line") { drover.output.contains(#""GET / HTTP/1.1" 200"#) ? true : nil }
            #expect(try drover.stop() == 0)
        }
    }
}
