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
    /// The seed image's variables, drover.toml, prestart, --check-config, with real droverd and workers.
    @Suite("Configuration of real droverd processes")
    struct ConfigurationTests {
        /// Starts droverd in `directory` and returns it with its first port's answer to GET /.
        func serve(
            _ arguments: [String] = [],
            in directory: AppDirectory,
            environment: [String: String] = [:],
            workers: Int = 1
        ) throws -> (DroverProcess, String) {
            let drover = try DroverProcess(
                ["-b", "127.0.0.1:0"] + arguments,
                in: directory.url,
                environment: ["WEB_CONCURRENCY": String(workers)].merging(environment) { _, given in given }
            )
            try drover.waitForReady(workers)
            return (drover, try httpGet(port: try drover.port()).body)
        }

        @Test("MODULE_NAME and VARIABLE_NAME, or APP_MODULE, pick the app")
        func customApp() throws {
            let directory = try AppDirectory("custom")
            try directory.write("custom_app/__init__.py", "")
            try directory.namedApp("custom_app/custom_main.py", name: "custom")
            try directory.write(
                "custom_app/custom_main.py",
                try String(contentsOfFile: directory.path + "/custom_app/custom_main.py", encoding: .utf8)
                    + "\ncustom_var = app\n"
            )
            var (drover, body) = try serve(
                in: directory,
                environment: ["MODULE_NAME": "custom_app.custom_main", "VARIABLE_NAME": "custom_var"]
            )
            #expect(body == "custom web -")
            #expect(try drover.stop() == 0)
            (drover, body) = try serve(in: directory, environment: ["APP_MODULE": "custom_app.custom_main:custom_var"])
            #expect(body == "custom web -")
            #expect(try drover.stop() == 0)
        }

        @Test("app/main.py is found before main.py; main.py alone works")
        func detection() throws {
            let directory = try AppDirectory("detect")
            try directory.namedApp("main.py", name: "root")
            var (drover, body) = try serve(in: directory)
            #expect(body == "root web -")
            #expect(try drover.stop() == 0)
            try directory.write("app/__init__.py", "")
            try directory.namedApp("app/main.py", name: "package")
            (drover, body) = try serve(in: directory)
            #expect(body == "package web -")
            #expect(try drover.stop() == 0)
        }

        @Test("prestart: the seed's messages; sourced, so what it exports reaches the app; PRE_START_PATH elsewhere")
        func prestart() throws {
            let directory = try AppDirectory("prestart")
            try directory.namedApp("main.py", name: "app")
            var (drover, body) = try serve(in: directory)
            #expect(drover.output.contains("Checking for script in prestart.sh\nThere is no script prestart.sh\n"))
            #expect(body == "app web -")
            #expect(try drover.stop() == 0)

            // Like the seed's, the script need not be executable, and it is sourced (not run).
            try directory.write(
                "prestart.sh",
                "echo \"Running inside prestart\"\nexport FROM_PRESTART=exported\nNOT_EXPORTED=1\n"
            )
            (drover, body) = try serve(in: directory)
            #expect(
                drover.output.contains(
                    "Checking for script in prestart.sh\nRunning script prestart.sh\nRunning inside prestart\n"
                )
            )
            #expect(body == "app web exported")
            #expect(try drover.stop() == 0)

            try directory.write(
                "scripts/custom-prestart.sh",
                "echo \"Custom prestart script\"\nexport FROM_PRESTART=custom\n"
            )
            (drover, body) = try serve(in: directory, environment: ["PRE_START_PATH": "scripts/custom-prestart.sh"])
            #expect(drover.output.contains("Running script scripts/custom-prestart.sh\nCustom prestart script\n"))
            #expect(body == "app web custom")
            #expect(try drover.stop() == 0)
        }

        @Test("a prestart that exports APP_MODULE changes the app; a failing prestart stops start-up with its status")
        func prestartChangesAndFails() throws {
            let directory = try AppDirectory("prestart2")
            try directory.namedApp("main.py", name: "main")
            try directory.namedApp("other.py", name: "other")
            try directory.write("prestart.sh", "export APP_MODULE=other:app\n")
            let (drover, body) = try serve(in: directory)
            #expect(body == "other web -")
            #expect(try drover.stop() == 0)

            try directory.write("prestart.sh", "echo migrating\nfalse\necho not reached\n")
            let failing = try DroverProcess(["-b", "127.0.0.1:0"], in: directory.url)
            #expect(try failing.waitForExit() == 1)
            #expect(failing.output.contains("migrating\n"))
            #expect(!failing.output.contains("not reached"))
            #expect(failing.log.contains("droverd: prestart script prestart.sh failed: exit 1"))
            #expect(failing.workers.isEmpty)
            try directory.write("prestart.sh", "exit 7\n")
            #expect(try DroverProcess(["-b", "127.0.0.1:0"], in: directory.url).waitForExit() == 7)
            // `exit 0` ends the start-up too, as in the seed's start.sh, with nothing started.
            try directory.write("prestart.sh", "echo bye\nexit 0\n")
            let leaving = try DroverProcess(["-b", "127.0.0.1:0"], in: directory.url)
            #expect(try leaving.waitForExit() == 0)
            #expect(leaving.log.contains("droverd: prestart script prestart.sh exited (exit 0); nothing started"))
            #expect(!leaving.log.contains("Booting worker"))
        }

        @Test("prestart runs after the configuration is checked, with drover.toml's env; an app it names is enough")
        func prestartAfterValidation() throws {
            let directory = try AppDirectory("prestart4")
            try directory.namedApp("main.py", name: "main")
            try directory.write("prestart.sh", "echo migrating\necho \"dir=$METRICS_DIR\"\n")
            try directory.write("drover.toml", "workers = \"two\"\n")
            let invalid = try DroverProcess(["-b", "127.0.0.1:0"], in: directory.url)
            #expect(try invalid.waitForExit() == 2)
            #expect(!invalid.output.contains("migrating"), "the script ran before the check: \(invalid.output)")
            #expect(invalid.log.contains("drover.toml:1: workers: 'two' is not a whole number"))

            try directory.write("drover.toml", "workers = 1\nenv = { METRICS_DIR = \"/tmp/drover-metrics\" }\n")
            let drover = try DroverProcess(["-b", "127.0.0.1:0"], in: directory.url, unsetting: ["WEB_CONCURRENCY"])
            try drover.waitForReady(1)
            #expect(drover.output.contains("dir=/tmp/drover-metrics\n"))
            #expect(try drover.stop() == 0)

            // No main.py: the script names the app, as in the seed.
            let other = try AppDirectory("prestart5")
            try other.namedApp("other.py", name: "other")
            try other.write("prestart.sh", "export APP_MODULE=other:app\n")
            let (named, body) = try serve(in: other)
            #expect(body == "other web -")
            #expect(try named.stop() == 0)
        }

        @Test("a process the prestart script leaves running does not hold up start-up")
        func prestartBackground() throws {
            let directory = try AppDirectory("prestart3")
            try directory.namedApp("main.py", name: "main")
            try directory.write("prestart.sh", "sleep 600 &\necho $! > sleeper.pid\nexport FROM_PRESTART=yes\n")
            let (drover, body) = try serve(in: directory)
            #expect(body == "main web yes", "the app sees what the script exported")
            #expect(try drover.stop() == 0)
            if let pid = Int32(
                try String(contentsOfFile: directory.path + "/sleeper.pid", encoding: .utf8).trimmingCharacters(
                    in: .whitespacesAndNewlines
                )
            ) {
                kill(pid, SIGKILL)
            }
        }

        @Test("MAX_WORKERS=1 gives exactly one worker process")
        func maxWorkers() throws {
            let directory = try AppDirectory("max")
            try directory.namedApp("main.py", name: "app")
            let drover = try DroverProcess(
                ["-b", "127.0.0.1:0"],
                in: directory.url,
                environment: ["MAX_WORKERS": "1", "WORKERS_PER_CORE": "8"]
            )
            try drover.waitForLog("All pools ready")
            #expect(drover.workers.count == 1)
            #expect(drover.output.contains(#""workers": 1,"#))
            #expect(drover.output.contains(#""workers_per_core": 8.0, "use_max_workers": 1,"#))
            #expect(try drover.stop() == 0)
        }

        @Test("taskset -c 0 with WORKERS_PER_CORE=4 gives 4 workers: the CPU count follows the affinity")
        func taskset() throws {
            let directory = try AppDirectory("taskset")
            try directory.namedApp("main.py", name: "app")
            let drover = try DroverProcess(
                ["-c", "0", Paths.droverd, "-b", "127.0.0.1:0", "--check-config"],
                in: directory.url,
                environment: ["WORKERS_PER_CORE": "4"],
                executable: "/usr/bin/taskset"
            )
            #expect(try drover.waitForExit() == 0)
            #expect(drover.output.contains(#""workers":4,"#))
            #expect(drover.output.contains(#""workers":"default (4 per core × 1 CPU, at least 2)""#))
            let running = try DroverProcess(
                ["-c", "0", Paths.droverd, "-b", "127.0.0.1:0"],
                in: directory.url,
                environment: ["WORKERS_PER_CORE": "4"],
                executable: "/usr/bin/taskset"
            )
            try running.waitForReady(4)
            #expect(running.workers.count == 4)
            #expect(try running.stop() == 0)
        }

        @Test("the seed's JSON line goes to stdout before the workers start")
        func startupLine() throws {
            let directory = try AppDirectory("line")
            try directory.namedApp("main.py", name: "app")
            let drover = try DroverProcess(
                [],
                in: directory.url,
                environment: ["PORT": "0", "HOST": "127.0.0.1", "GRACEFUL_TIMEOUT": "20", "WEB_CONCURRENCY": "1"]
            )
            try drover.waitForReady(1)
            let line = drover.output.split(separator: "\n").first { $0.hasPrefix("{") }
            #expect(
                line
                    == #"{"loglevel": "info", "workers": 1, "bind": "127.0.0.1:0", "graceful_timeout": 20, "timeout": 120, "keepalive": 5, "errorlog": "-", "accesslog": "-", "workers_per_core": 1.0, "use_max_workers": null, "host": "127.0.0.1", "port": "0"}"#
            )
            #expect(try drover.stop() == 0)
        }

        @Test("drover.toml with a Uvicorn pool and a command pool: both supervised")
        func twoPools() throws {
            let directory = try AppDirectory("pools")
            try directory.namedApp("main.py", name: "app")
            try directory.copyFixtures(["fd_server.py", "tiny_http.py"])
            try directory.write(
                "drover.toml",
                """
                log_level = "info"
                bind = ["127.0.0.1:0"]

                [pools.web]
                app = "main:app"
                workers = 2

                [pools.jobs]
                kind = "command"
                command = ["\(Paths.python)", "fd_server.py"]
                bind = ["jobs=127.0.0.1:0"]
                workers = 1
                env = { FD_SERVER_READY = "1" }
                wait_ready = true
                """
            )
            let drover = try DroverProcess([], in: directory.url)
            try drover.waitForLog("All pools ready")
            #expect(drover.log.contains("Configuration file: drover.toml"))
            let ports = drover.log.split(separator: "\n").filter { $0.contains("Listening at: http://127.0.0.1:") }.map
            {
                Int($0.components(separatedBy: "127.0.0.1:")[1].split(separator: " ")[0])!
            }
            #expect(ports.count == 2)
            #expect(drover.workers.count == 3)
            #expect(try httpGet(port: ports[0]).body == "app web -")
            let facts =
                try JSONSerialization.jsonObject(with: Data(httpGet(port: ports[1]).body.utf8)) as! [String: Any]
            #expect(facts["pool"] as? String == "jobs")
            #expect(facts["listen_fdnames"] as? String == "jobs")
            // TTIN scales the first pool.
            drover.signal(SIGTTIN)
            try drover.waitForLog("Scaled web from 2 to 3 workers")
            #expect(try drover.stop() == 0)
        }

        @Test("reload re-reads drover.toml; an invalid file leaves the running pools alone")
        func reloadFile() throws {
            let directory = try AppDirectory("reload-file")
            try directory.namedApp("main.py", name: "app")
            try directory.write("drover.toml", "workers = 1\nbind = [\"127.0.0.1:0\"]\n")
            let drover = try DroverProcess([], in: directory.url)
            let old = try drover.waitForReady(1)
            let port = try drover.port()
            try directory.write("drover.toml", "workers = 1\nbind = [\"127.0.0.1:0\"]\nwrokers = 2\n")
            drover.signal(SIGHUP)
            let failure = try drover.waitForLog("Reload failed")
            #expect(failure.contains("drover.toml:3: unknown key 'wrokers' (did you mean 'workers'?)"))
            #expect(drover.workers == old)
            #expect(try httpGet(port: port).status == 200)

            // Files that made the TOML parser abort droverd (found by the configuration fuzzing):
            // now one line each, and the pool serves on.
            for (text, message) in [
                ("workers = 1\n[[[pools\n", "drover.toml:2: invalid TOML: a table header needs a key, saw '['"),
                (
                    "bind = [\"127.0.0.1:0\",} \"x\"]\n",
                    "drover.toml: invalid TOML: the parser gave up at an internal check"
                ),
                ("workers = 1\napp = \"main:app\\u0000x\"\n", "drover.toml:2: a NUL character"),
            ] {
                let failures = drover.logCount("Reload failed")
                try directory.write("drover.toml", text)
                drover.signal(SIGHUP)
                try waitFor("the reload to fail") { drover.logCount("Reload failed") > failures ? true : nil }
                #expect(drover.log.contains(message), "\(text.debugDescription)")
                #expect(drover.process.isRunning)
                #expect(drover.workers == old)
                #expect(try httpGet(port: port).status == 200)
            }

            try directory.write("drover.toml", "workers = 2\nbind = [\"127.0.0.1:0\"]\n")
            drover.signal(SIGHUP)
            // A configuration that fails to load starts no rollout: the next one is generation 2.
            try drover.waitForLog("Rollout of web generation 2 finished")
            try waitFor("two new workers") {
                drover.workers.count == 2 && Set(drover.workers).isDisjoint(with: old) ? true : nil
            }
            #expect(try httpGet(port: port).status == 200)
            #expect(try drover.stop() == 0)
        }

        @Test("--check-config: the effective configuration with sources and exit 0; one line and exit 1 for a bad file")
        func checkConfig() throws {
            let directory = try AppDirectory("check")
            try directory.namedApp("main.py", name: "app")
            try directory.write("drover.toml", "workers = 3\ntimeout = 10\n")
            let good = try DroverProcess(
                ["--check-config", "-b", "127.0.0.1:0"],
                in: directory.url,
                environment: ["KEEP_ALIVE": "9"]
            )
            #expect(try good.waitForExit() == 0)
            let report = try JSONSerialization.jsonObject(with: Data(good.output.utf8)) as! [String: Any]
            let config = report["config"] as! [String: Any]
            let pool = (config["pools"] as! [[String: Any]])[0]
            #expect(pool["workers"] as? Int == 3)
            #expect(pool["timeout"] as? Int == 10)
            #expect(pool["keep_alive"] as? Int == 9)
            let sources = report["sources"] as! [String: String]
            #expect(sources["workers"] == "file:drover.toml:1")
            #expect(sources["keep_alive"] == "env:KEEP_ALIVE")
            #expect(sources["bind"] == "flag:--bind")
            #expect(!good.output.contains("Checking for script"))
            #expect(good.workers.isEmpty)

            try directory.write("drover.toml", "workers = 3\ntimeout = \"soon\"\n")
            let bad = try DroverProcess(["--check-config"], in: directory.url)
            #expect(try bad.waitForExit() == 1)
            #expect(bad.log == "droverd: drover.toml:2: timeout: 'soon' is not a number of seconds\n")
            let missing = try DroverProcess(["--check-config", "-c", "nope.toml"], in: directory.url)
            #expect(try missing.waitForExit() == 1)
            #expect(missing.log.hasPrefix("droverd: --config: "))
            #expect(missing.log.contains("nope.toml: No such file or directory"))
        }

        @Test(
            "the file is found as drover.toml, else app/drover.toml, in the app directory (--chdir); DROVER_CONF names another"
        )
        func fileLookup() throws {
            let directory = try AppDirectory("lookup")
            try directory.namedApp("main.py", name: "app")
            func workers(_ arguments: [String], environment: [String: String] = [:]) throws -> Int? {
                let check = try DroverProcess(
                    ["--check-config"] + arguments,
                    in: Paths.fixtures,
                    environment: environment
                )
                guard try check.waitForExit() == 0 else { return nil }
                let report = try JSONSerialization.jsonObject(with: Data(check.output.utf8)) as! [String: Any]
                return ((report["config"] as! [String: Any])["pools"] as! [[String: Any]])[0]["workers"] as? Int
            }
            try directory.write("app/drover.toml", "workers = 5\n")
            #expect(try workers(["--chdir", directory.path]) == 5)
            try directory.write("drover.toml", "workers = 3\n")
            #expect(try workers(["--chdir", directory.path]) == 3)
            try directory.write("other.toml", "workers = 7\n")
            #expect(
                try workers(["--chdir", directory.path], environment: ["DROVER_CONF": directory.path + "/other.toml"])
                    == 7
            )
        }

        @Test("GUNICORN_CMD_ARGS --log-level debug beats LOG_LEVEL; the pid file is written and removed")
        func gunicornArgumentsAndPidFile() throws {
            let directory = try AppDirectory("gunicorn-args")
            try directory.namedApp("main.py", name: "app")
            let pidPath = directory.path + "/droverd.pid"
            let drover = try DroverProcess(
                ["--pid", pidPath],
                in: directory.url,
                environment: [
                    "LOG_LEVEL": "warning", "GUNICORN_CMD_ARGS": "--log-level debug --bind 127.0.0.1:0",
                    "WEB_CONCURRENCY": "1",
                ]
            )
            try drover.waitForLog("All pools ready")
            #expect(drover.log.contains("[DEBUG]"))
            #expect(try String(contentsOfFile: pidPath, encoding: .utf8) == "\(drover.pid)\n")
            let second = try DroverProcess(["--pid", pidPath, "-b", "127.0.0.1:0"], in: directory.url)
            #expect(try second.waitForExit() == 1)
            #expect(second.log.contains("--pid \(pidPath): process \(drover.pid) is running"))
            #expect(try drover.stop() == 0)
            #expect(!FileManager.default.fileExists(atPath: pidPath))

            // A start that fails after the pid file and the control socket exist undoes both.
            let failing = try DroverProcess(
                ["--pid", pidPath, "-b", "127.0.0.1:0", "--ops-bind", "unix:\(directory.path)/missing/ops.sock"],
                in: directory.url
            )
            #expect(try failing.waitForExit() == 1)
            #expect(
                failing.log.split(separator: "\n").last?.hasPrefix("droverd: ops listener unix:") == true,
                "\(failing.log)"
            )
            #expect(!FileManager.default.fileExists(atPath: pidPath))
            #expect(!FileManager.default.fileExists(atPath: failing.controlSocket))
        }
    }
}
