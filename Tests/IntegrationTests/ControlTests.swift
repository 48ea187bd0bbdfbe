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
    /// The control socket through the real droverctl binary against a real droverd.
    @Suite("Control socket and droverctl")
    struct ControlTests {
        func json(_ text: String) throws -> JSONValue {
            try JSONValue(parsing: text.split(separator: "\n").last.map(String.init) ?? "")
        }

        @Test("status --ready fails while the pool starts and passes once it is ready; status shows the workers")
        func statusReady() throws {
            let drover = try DroverProcess(["-w", "2", "--boot-timeout", "30", "-b", "127.0.0.1:0", "hang_startup:app"])
            try waitFor("the control socket") {
                FileManager.default.fileExists(atPath: drover.controlSocket) ? true : nil
            }
            try drover.waitForLog("Booting worker web[1]")
            var result = try drover.ctl("status", "--ready")
            #expect(result.status == 1)
            #expect(result.output.contains("web   starting  0/2"))
            #expect(try drover.stop() == 0)

            let ready = try DroverProcess(["-w", "2", "-b", "127.0.0.1:0", "testapp:app"])
            try ready.waitForLog("All pools ready")
            result = try ready.ctl("status", "--ready")
            #expect(result.status == 0)
            let status = try json(try ready.ctl("--json", "status").output)
            let pool = status["result"]?["pools"]?.arrayValue?.first
            #expect(pool?["name"]?.stringValue == "web")
            #expect(pool?["state"]?.stringValue == "running")
            #expect(pool?["desired"]?.intValue == 2)
            #expect(pool?["ready"]?.intValue == 2)
            let worker = pool?["workers"]?.arrayValue?.first
            #expect(worker?["pid"]?.intValue.map { ready.workers.contains(Int32($0)) } == true)
            #expect((worker?["rss_bytes"]?.intValue ?? 0) > 1_000_000)
            for key in [
                "pid", "slot", "generation", "state", "age_s", "restarts", "last_exit", "rss_bytes", "stderr_tail",
            ] {
                #expect(worker?[key] != nil, "\(key)")
            }
            #expect(try ready.stop() == 0)
        }

        @Test("scale up answers when the new workers are ready, with events on the way; scale down; errors")
        func scale() throws {
            let drover = try DroverProcess(["-w", "1", "-b", "127.0.0.1:0", "testapp:app"])
            try drover.waitForReady(1)
            let events = try Process.background(
                Paths.droverctl,
                ["--socket", drover.controlSocket, "--json", "events"]
            )
            try waitFor("the events subscriber") { events.output.contains("\"event\":\"subscribed\"") ? true : nil }
            var result = try drover.ctl("scale", "web", "+2")
            #expect(result.status == 0)
            #expect(result.output == "web: 3 workers, 3 ready\n")
            #expect(result.error.contains("worker_ready web[2]"))
            #expect(drover.workers.count == 3)
            result = try drover.ctl("scale", "web", "-1")
            #expect(result.output == "web: 2 workers, 2 ready\n")
            result = try drover.ctl("scale", "web", "1")
            #expect(result.status == 0)
            result = try drover.ctl("scale", "nope", "2")
            #expect(result.status == 1)
            #expect(result.error == "droverctl: no_such_pool: no pool named 'nope' (pools: web)\n")
            result = try drover.ctl("scale", "web", "many")
            #expect(result.status == 2)
            // The events stream saw the scale.
            try waitFor("events of the scale") { events.output.contains("\"event\":\"scaled\"") ? true : nil }
            let lines = events.output.split(separator: "\n")
            #expect(lines.contains { $0.contains("\"event\":\"worker_spawned\"") && $0.contains("\"slot\":2") })
            #expect(lines.contains { $0.contains("\"event\":\"worker_ready\"") && $0.contains("\"time\":") })
            #expect(try drover.stop() == 0)
            events.terminate()
        }

        @Test("reload and restart answer with the outcome; a broken app is rolled back and the old workers serve")
        func reloadRestart() throws {
            let directory = try AppDirectory("ctl-reload")
            try directory.namedApp("main.py", name: "good")
            let drover = try DroverProcess(
                ["-b", "127.0.0.1:0"],
                in: directory.url,
                environment: ["WEB_CONCURRENCY": "2"]
            )
            let old = try drover.waitForReady(2)
            var result = try drover.ctl("reload")
            #expect(result.status == 0)
            #expect(result.output.hasPrefix("web: generation 2 ("))
            result = try drover.ctl("--json", "restart", "web")
            let reply = try json(result.output)
            #expect(reply["ok"]?.boolValue == true)
            #expect(reply["result"]?["pools"]?.arrayValue?.first?["generation"]?.intValue == 3)
            let serving = try waitFor("the old generation to be gone") {
                drover.workers.count == 2 ? drover.workers : nil
            }
            #expect(Set(serving).isDisjoint(with: old))

            try directory.write("main.py", "raise RuntimeError('broken deploy')\n")
            result = try drover.ctl("reload")
            #expect(result.status == 1)
            #expect(result.error.contains("droverctl: rollout_failed: web: web["))
            #expect(result.error.contains("gen 4 pid"))
            #expect(result.error.contains("RuntimeError: broken deploy"))
            // The failed generation's other worker is stopped too; then only the old ones are left.
            try waitFor("the failed generation to be gone") { drover.workers == serving ? true : nil }
            #expect(try httpGet(port: try drover.port()).body == "good web -")
            #expect(
                try drover.ctl("restart", "nope").error
                    == "droverctl: no_such_pool: no pool named 'nope' (pools: web)\n"
            )
            #expect(try drover.stop() == 0)
        }

        @Test("options go before the subcommand, after it, after a positional and after a negative count")
        func optionPositions() throws {
            let drover = try DroverProcess(["-w", "2", "-b", "127.0.0.1:0", "testapp:app"])
            try drover.waitForReady(2)
            let socket = drover.controlSocket
            let runs: [(arguments: [String], output: String)] = [
                (["--socket", socket, "scale", "web", "-1"], "web: 1 workers, 1 ready\n"),
                (["scale", "--socket", socket, "web", "+1"], "web: 2 workers, 2 ready\n"),
                (["scale", "web", "--socket", socket, "-1"], "web: 1 workers, 1 ready\n"),
                (["scale", "web", "+1", "--socket", socket], "web: 2 workers, 2 ready\n"),
                (["scale", "web", "-1", "--socket", socket], "web: 1 workers, 1 ready\n"),
                (
                    ["scale", "web", "-1", "--allow-zero", "--socket=\(socket)", "--name", "other"],
                    "web: 0 workers, 0 ready\n"
                ),
                (["scale", "web", "--name", "other", "2", "--socket", socket], "web: 2 workers, 2 ready\n"),
                (["status", "web", "--socket", socket, "--ready"], ""),
            ]
            for run in runs {
                let result = try droverctl(run.arguments, socket: nil)
                #expect(result.status == 0, "\(run.arguments): \(result.error)")
                #expect(
                    run.output.isEmpty ? result.output.contains("web") : result.output == run.output,
                    "\(run.arguments)"
                )
            }
            let json = try droverctl(["scale", "web", "-1", "--socket", socket, "--json"], socket: nil)
            #expect(try self.json(json.output)["result"]?["workers"]?.intValue == 1)
            let usage = try droverctl(["scale", "web", "-x", "--socket", socket], socket: nil)
            #expect(usage.status == 2)
            #expect(try drover.stop() == 0)
        }

        @Test("config shows the effective configuration and its sources; stop answers, then droverd is gone")
        func configAndStop() throws {
            let drover = try DroverProcess(
                ["-w", "1", "-b", "127.0.0.1:0", "testapp:app"],
                environment: ["KEEP_ALIVE": "7"]
            )
            try drover.waitForReady(1)
            let config = try json(try drover.ctl("--json", "config").output)
            #expect(config["result"]?["config"]?["pools"]?.arrayValue?.first?["keep_alive"]?.intValue == 7)
            #expect(config["result"]?["sources"]?["keep_alive"]?.stringValue == "env:KEEP_ALIVE")
            #expect(config["result"]?["sources"]?["workers"]?.stringValue == "flag:--workers")
            let version = try drover.ctl("version")
            #expect(version.output == "droverctl \(droverVersion), droverd \(droverVersion) (pid \(drover.pid))\n")
            #expect(try drover.ctl("reopen-logs").output == "reopened\n")
            let stop = try drover.ctl("stop")
            #expect(stop.status == 0)
            #expect(stop.output == "stopped\n")
            #expect(try drover.waitForExit() == 0)
            #expect(!FileManager.default.fileExists(atPath: drover.controlSocket))
            let gone = try drover.ctl("status")
            #expect(gone.status == 3)
            #expect(gone.error.hasPrefix("droverctl: no droverd is running at \(drover.controlSocket)"))
            // The usual cause, said: a droverd of another user listens elsewhere.
            #expect(gone.error.contains("started by another user"), "\(gone.error)")
            #expect(gone.error.contains("--socket"))
        }

        @Test(
            "another uid is refused with permission_denied even when the file mode would let it connect",
            .enabled(if: geteuid() == 0, "needs root to run the client as nobody")
        )
        func permissionDenied() throws {
            let drover = try DroverProcess(["-w", "1", "-b", "127.0.0.1:0", "testapp:app"])
            try drover.waitForReady(1)
            var info = stat()
            stat(drover.controlSocket, &info)
            #expect(info.st_mode & 0o777 == 0o600)
            let directory = (drover.controlSocket as NSString).deletingLastPathComponent
            stat(directory, &info)
            #expect(info.st_mode & 0o002 == 0)
            // Open the file system's door, so only droverd's SO_PEERCRED check stands in the way.
            chmod(directory, 0o755)
            chmod(drover.controlSocket, 0o777)
            let refused = try drover.ctl("status", user: "nobody")
            #expect(refused.status == 1)
            #expect(refused.error == "droverctl: permission_denied: uid 65534 may not use this control socket\n")
            #expect(try drover.ctl("status").status == 0)
            #expect(try drover.stop() == 0)
        }

        @Test(
            "a stale socket is replaced; a live one makes a second droverd refuse to start; a symlink is not followed"
        )
        func staleAndLive() throws {
            let directory = try AppDirectory("sockets")
            let path = directory.path + "/ctl.sock"
            // A socket file nobody listens on, as a killed droverd leaves.
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            close(fd)
            #expect(FileManager.default.fileExists(atPath: path))
            let first = try DroverProcess(
                ["-w", "1", "-b", "127.0.0.1:0", "testapp:app"],
                environment: ["DROVER_CONTROL_SOCKET": path]
            )
            try first.waitForReady(1)
            #expect(try first.ctl("status").status == 0)
            let second = try DroverProcess(
                ["-w", "1", "-b", "127.0.0.1:0", "testapp:app"],
                environment: ["DROVER_CONTROL_SOCKET": path]
            )
            #expect(try second.waitForExit() == 1)
            #expect(second.log == "droverd: another droverd is running with the control socket \(path)\n")
            #expect(second.workers.isEmpty)
            #expect(try first.stop() == 0)

            let link = directory.path + "/link.sock"
            try FileManager.default.createSymbolicLink(
                atPath: link,
                withDestinationPath: directory.path + "/elsewhere.sock"
            )
            let third = try DroverProcess(
                ["-w", "1", "-b", "127.0.0.1:0", "testapp:app"],
                environment: ["DROVER_CONTROL_SOCKET": link]
            )
            #expect(try third.waitForExit() == 1)
            #expect(third.log.contains("is a symbolic link; not following it"))
            #expect(!FileManager.default.fileExists(atPath: directory.path + "/elsewhere.sock"))
            let open = try DroverProcess(
                ["-w", "1", "-b", "127.0.0.1:0", "testapp:app"],
                environment: ["DROVER_CONTROL_SOCKET": "/tmp/drover-test.sock"]
            )
            #expect(try open.waitForExit() == 1)
            #expect(open.log.contains("control socket directory /tmp is world-writable"))
        }

        @Test("garbage, NUL bytes, invalid UTF-8 and over-long lines get errors; the pool keeps serving")
        func badInput() throws {
            let drover = try DroverProcess(["-w", "1", "-b", "127.0.0.1:0", "testapp:app"])
            try drover.waitForReady(1)
            let port = try drover.port()
            let connection = try HTTPConnection(unixPath: drover.controlSocket)
            var garbage = Array("bogus verb\nscale web\nscale web x\nstop later\n".utf8)
            garbage += [0xff, 0xfe, 0x0a] + Array("a\u{0}b\n".utf8) + Array("\n".utf8) + [0xc3, 0x0a]
            try connection.sendBytes(garbage)
            try connection.send("status\n")
            var codes: [String] = []
            while codes.count < 8 {
                let line = try connection.readLine()
                codes.append(try JSONValue(parsing: line)["error"]?["code"]?.stringValue ?? "ok")
            }
            #expect(
                codes == [
                    "unknown_verb", "invalid_argument", "invalid_argument", "invalid_argument", "invalid_utf8",
                    "invalid_utf8",
                    "empty_request", "invalid_utf8",
                ]
            )
            #expect(try JSONValue(parsing: try connection.readLine())["ok"]?.boolValue == true)

            let long = try HTTPConnection(unixPath: drover.controlSocket)
            try long.send(String(repeating: "x", count: 70_000) + "\n")
            let reply = try JSONValue(parsing: try long.readLine())
            #expect(reply["error"]?["code"]?.stringValue == "line_too_long")
            #expect(try httpGet(port: port).status == 200)
            #expect(try drover.ctl("status", "--ready").status == 0)
            #expect(try drover.stop() == 0)
        }

        @Test("droverctl status against 64 workers takes milliseconds")
        func sixtyFourWorkers() throws {
            let drover = try DroverProcess([
                "-k", "command", "-w", "64", "-b", "127.0.0.1:0", "--", Paths.python, "fd_server.py",
            ])
            try drover.waitForLog("All pools ready")
            var times: [Double] = []
            for _ in 0..<5 {
                let start = Date()
                let result = try drover.ctl("status")
                times.append(Date().timeIntervalSince(start))
                #expect(result.status == 0)
                // Pool table (2 lines), the pool's name, the workers' header, 64 workers.
                #expect(result.output.split(separator: "\n").count == 2 + 2 + 64)
            }
            times.sort()
            print(
                "droverctl status, 64 workers: median \(Int(times[2] * 1000)) ms, min \(Int(times[0] * 1000)) ms (debug build)"
            )
            #expect(try drover.stop() == 0)
        }

        @Test("shell completions are generated for bash, zsh and fish")
        func completions() throws {
            for shell in ["bash", "zsh", "fish"] {
                let process = Process()
                let output = Pipe()
                process.executableURL = URL(fileURLWithPath: Paths.droverctl)
                process.arguments = ["--generate-completion-script", shell]
                process.standardOutput = output
                try process.run()
                let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                #expect(process.terminationStatus == 0)
                #expect(text.contains("droverctl"), "\(shell)")
                #expect(text.contains("scale"), "\(shell)")
            }
        }
    }
}

extension Integration.ControlTests {
    @Test("an events reader that stops reading is dropped; droverd and the other clients carry on")
    func slowEventsReader() throws {
        // sleep never accepts: ready when spawned (--no-wait-ready), not by observation.
        let drover = try DroverProcess([
            "-k", "command", "--no-wait-ready", "-w", "1", "-b", "127.0.0.1:0", "--", "/bin/sleep", "1000",
        ])
        try drover.waitForLog("All pools ready")
        let slow = try HTTPConnection(unixPath: drover.controlSocket)
        var size: Int32 = 4096
        setsockopt(slow.fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        try slow.send("events\n")
        var cycles = 0
        while drover.logCount("stopped reading events") == 0 && cycles < 30 {
            #expect(try drover.ctl("scale", "web", "200").status == 0)
            #expect(try drover.ctl("scale", "web", "1").status == 0)
            cycles += 1
        }
        try drover.waitForLog("Dropped control client")
        #expect(try drover.ctl("status", "--ready").status == 0)
        #expect(try drover.stop() == 0)
    }

    @Test("more than 128 connections at once: the next one is told and closed")
    func tooManyConnections() throws {
        let drover = try DroverProcess(["-w", "1", "-b", "127.0.0.1:0", "testapp:app"])
        try drover.waitForReady(1)
        var open: [HTTPConnection] = []
        for _ in 0..<128 {
            let connection = try HTTPConnection(unixPath: drover.controlSocket)
            try connection.send("version\n")
            _ = try connection.readLine()
            open.append(connection)
        }
        let extra = try HTTPConnection(unixPath: drover.controlSocket)
        let reply = try JSONValue(parsing: try extra.readLine())
        #expect(reply["error"]?["code"]?.stringValue == "too_many_connections")
        #expect(extra.isClosedByPeer())
        open.removeAll()
        try waitFor("a connection slot to free up") { (try? drover.ctl("status"))?.status == 0 ? true : nil }
        #expect(try drover.stop() == 0)
    }
}
