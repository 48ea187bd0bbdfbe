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
    /// `spawn = "fork"` and `preload_app`: real templates forking real Uvicorn workers.
    @Suite("Fork mode: templates")
    struct ForkModeTests {
        /// Whether `pid` was forked from a template: its initial environment block (/proc/PID/environ)
        /// is the template's, which has no worker index; an exec'd worker's has its own.
        func isForked(_ pid: Int32) -> Bool {
            guard let data = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ")) else { return false }
            return !String(decoding: data, as: UTF8.self).contains("DROVER_WORKER_INDEX=")
        }

        func facts(_ port: Int) throws -> JSONValue {
            try JSONValue(parsing: httpGet(port: port, "/facts").body)
        }

        /// The facts app at `version`.
        func factsApp(_ directory: AppDirectory, version: String = "v1") throws {
            let source = try String(
                contentsOf: Paths.fixtures.appendingPathComponent("facts_app.py"),
                encoding: .utf8
            )
            try directory.write(
                "facts_app.py",
                source.replacingOccurrences(of: #"VERSION = "v1""#, with: #"VERSION = "\#(version)""#)
            )
        }

        @Test(
            "a forked worker is an exec'd one: fds, signal masks, PDEATHSIG, process group, environment, rlimits, parent"
        )
        func equivalence() throws {
            let directory = try AppDirectory("fork-equivalence")
            try factsApp(directory)
            let socket = try Paths.temporaryDirectory("ctl").appendingPathComponent("control.sock").path
            var seen: [String: (facts: JSONValue, droverd: Int32, forked: Bool)] = [:]
            for mode in ["exec", "fork"] {
                let drover = try DroverProcess(
                    ["--spawn", mode, "-w", "1", "-b", "127.0.0.1:0", "facts_app:app"],
                    in: directory.url,
                    environment: ["DROVER_CONTROL_SOCKET": socket]
                )
                try drover.waitUntilReady()
                let facts = try facts(try drover.port())
                let pid = try #require(facts["pid"]?.intValue)
                seen[mode] = (facts, drover.pid, isForked(Int32(pid)))
                #expect(drover.templates.count == (mode == "fork" ? 1 : 0))
                #expect(try drover.stop() == 0)
            }
            let exec = try #require(seen["exec"])
            let fork = try #require(seen["fork"])
            #expect(!exec.forked && fork.forked)
            for (facts, droverd) in [(exec.facts, exec.droverd), (fork.facts, fork.droverd)] {
                #expect(facts["ppid"]?.intValue == Int(droverd), "droverd's child")
                #expect(facts["pgid"] == facts["pid"], "a process group of its own")
                #expect(facts["pdeathsig"]?.intValue == Int(SIGKILL))
                #expect(facts["imported_here"]?.boolValue == true)
            }
            // stdout is droverd's (a file of each run's own); every other fd is alike.
            var execFDs = Dictionary(exec.facts["fds"]?.objectValue ?? [], uniquingKeysWith: { $1 })
            var forkFDs = Dictionary(fork.facts["fds"]?.objectValue ?? [], uniquingKeysWith: { $1 })
            #expect(execFDs.removeValue(forKey: "1")?.stringValue?.hasSuffix("stdout.log") == true)
            #expect(forkFDs.removeValue(forKey: "1")?.stringValue?.hasSuffix("stdout.log") == true)
            #expect(execFDs == forkFDs)
            #expect(execFDs["2"]?.stringValue == "pipe" && execFDs["3"]?.stringValue == "socket")
            for key in ["sid", "status", "rlimits", "cwd", "umask", "threads"] {
                #expect(
                    exec.facts[key] == fork.facts[key],
                    "\(key): exec \(exec.facts[key]?.compact ?? "-"), fork \(fork.facts[key]?.compact ?? "-")"
                )
            }
            // The same variables; the same values but droverd's own notify address and metrics directory.
            let execEnvironment = exec.facts["environ"]?.objectValue ?? []
            let forkEnvironment = fork.facts["environ"]?.objectValue ?? []
            #expect(execEnvironment.map(\.0).sorted() == forkEnvironment.map(\.0).sorted())
            let forked = Dictionary(forkEnvironment, uniquingKeysWith: { $1 })
            for (name, value) in execEnvironment where !["NOTIFY_SOCKET", "PROMETHEUS_MULTIPROC_DIR"].contains(name) {
                #expect(forked[name] == value, "\(name)")
            }
            #expect(forked["PROMETHEUS_MULTIPROC_DIR"]?.stringValue?.hasSuffix("/web") == true)
            #expect(forked["DROVER_WORKER_INDEX"]?.stringValue == "0")
            #expect(forked["DROVER_TEMPLATE_FD"] == nil)
        }

        @Test("the template killed: its workers serve on untouched, it is started again, a respawn is forked")
        func templateKilled() throws {
            let directory = try AppDirectory("fork-template-killed")
            try factsApp(directory)
            let drover = try DroverProcess(
                ["--spawn", "fork", "-w", "2", "-b", "127.0.0.1:0", "--graceful-timeout", "5", "facts_app:app"],
                in: directory.url
            )
            try drover.waitUntilReady()
            let port = try drover.port()
            let workers = drover.workers
            #expect(workers.count == 2 && workers.allSatisfy(isForked))
            let template = try #require(drover.templates.first)
            // status names it, in JSON and as text.
            let reply = try JSONValue(parsing: drover.ctl("--json", "status").output)
            let shown = reply["result"]?["pools"]?.arrayValue?.first?["templates"]?.arrayValue ?? []
            #expect(shown.count == 1 && shown.first?["pid"]?.intValue == Int(template))
            #expect(shown.first?["state"]?.stringValue == "ready" && shown.first?["preload"]?.boolValue == false)
            #expect(try drover.ctl("status").output.contains("template: gen 1 pid \(template) ready"))
            kill(template, SIGKILL)
            try waitFor("a new template") { drover.templates.contains { $0 != template } ? true : nil }
            #expect(drover.workers == workers)
            for _ in 0..<10 {
                let pid = try #require(Int32(try httpGet(port: port).body.split(separator: " ").last ?? ""))
                #expect(workers.contains(pid))
            }
            kill(workers[0], SIGKILL)
            try waitFor("a replacement") {
                drover.workers.count == 2 && !drover.workers.contains(workers[0]) ? true : nil
            }
            try drover.waitUntilReady()
            let replacement = try #require(drover.workers.first { !workers.contains($0) })
            #expect(isForked(replacement))
            #expect(try drover.stop() == 0)
            #expect(drover.templates.isEmpty)
        }

        @Test("a template that cannot import the app: the workers are exec'd and serve, respawns too")
        func execFallback() throws {
            let directory = try AppDirectory("fork-fallback")
            try factsApp(directory)
            let drover = try DroverProcess(
                ["--preload", "-w", "2", "-b", "127.0.0.1:0", "--graceful-timeout", "5", "facts_app:app"],
                in: directory.url,
                environment: ["BREAK_IN_TEMPLATE": "1"]
            )
            try drover.waitUntilReady()
            let workers = drover.workers
            #expect(workers.count == 2 && !workers.contains(where: isForked))
            #expect(try httpGet(port: try drover.port(), "/imported").body == "here")
            kill(workers[0], SIGKILL)
            try waitFor("a replacement") {
                drover.workers.count == 2 && !drover.workers.contains(workers[0]) ? true : nil
            }
            try drover.waitUntilReady()
            #expect(!drover.workers.contains(where: isForked))
            #expect(try drover.stop() == 0)
        }

        @Test("stopped while the template imports (preload): droverd stops cleanly, nothing is left")
        func stopWhileImporting() throws {
            let directory = try AppDirectory("fork-stop-early")
            try factsApp(directory)
            let drover = try DroverProcess(
                ["--preload", "-w", "2", "-b", "127.0.0.1:0", "facts_app:app"],
                in: directory.url,
                environment: ["IMPORT_DELAY": "30"]
            )
            try waitFor("the template") { drover.templates.count == 1 ? true : nil }
            let template = drover.templates[0]
            drover.signal(SIGTERM)
            #expect(try drover.waitForExit(timeout: 20) == 0)
            #expect(kill(template, 0) != 0, "the template is gone")
        }

        @Test(
            "broken code on reload, fork and preload: the rollout fails, the old generation serves on; fixed code is loaded, preloaded too",
            arguments: [["--spawn", "fork"], ["--preload"]]
        )
        func brokenReload(mode: [String]) throws {
            let directory = try AppDirectory("fork-reload-\(mode.count)")
            try factsApp(directory)
            let drover = try DroverProcess(
                mode + ["-w", "2", "-b", "127.0.0.1:0", "--graceful-timeout", "5", "facts_app:app"],
                in: directory.url
            )
            try drover.waitUntilReady()
            let port = try drover.port()
            let preload = mode == ["--preload"]
            #expect(try httpGet(port: port, "/imported").body == (preload ? "elsewhere" : "here"))
            #expect(try httpGet(port: port).body.hasPrefix("v1 gen 1"))
            let first = drover.workers

            try directory.write("facts_app.py", "import a_module_that_does_not_exist\n")
            let broken = try drover.ctl("reload")
            #expect(broken.status != 0, "\(broken.output)")
            try waitFor("the failed generation to go") { Set(drover.workers) == Set(first) ? true : nil }
            #expect(try httpGet(port: port).body.hasPrefix("v1 gen 1"))
            try waitFor("generation 2's template to go") { drover.templates.count == 1 ? true : nil }

            try factsApp(directory, version: "v2")
            let fixed = try drover.ctl("reload")
            #expect(fixed.status == 0, "\(fixed.error)")
            try waitFor("generation 1 to go") { Set(drover.workers).isDisjoint(with: first) ? true : nil }
            #expect(try httpGet(port: port).body.hasPrefix("v2 gen"))
            #expect(try httpGet(port: port, "/imported").body == (preload ? "elsewhere" : "here"))
            #expect(drover.workers.allSatisfy(isForked))
            try waitFor("one template left") { drover.templates.count == 1 ? true : nil }
            #expect(try drover.stop() == 0)
        }
    }
}
