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
    /// `droverd --reload`: edits in the app directory roll the workers out.
    @Suite("Development reload mode")
    struct ReloadModeTests {
        @Test(
            "an edit is served at once (the debounce, not the next event); a syntax error keeps the old workers; the next good edit is picked up; the venv is ignored"
        )
        func edits() throws {
            let directory = try AppDirectory("reload-mode")
            try directory.namedApp("main.py", name: "start")
            try directory.write(".venv/lib/site.py", "x = 1\n")
            try directory.write("pkg/__init__.py", "")
            let drover = try DroverProcess(
                ["--reload", "-b", "127.0.0.1:0"],
                in: directory.url,
                // Python's bytecode cache stays on, as on a developer's machine: the edits below
                // keep main.py's size ("one", "two"), and droverd must not let a stale cache serve them.
                unsetting: ["PYTHONDONTWRITEBYTECODE"]
            )
            try drover.waitForReady(1)
            #expect(drover.workers.count == 1)
            try drover.waitForLog("Reload mode: watching *.py in 2 directories")
            let port = try drover.port()
            let source = try String(contentsOfFile: directory.path + "/main.py", encoding: .utf8)

            func edit(to name: String) throws -> Double {
                let start = Date()
                try directory.write(
                    "main.py",
                    source.replacingOccurrences(of: "NAME = \"start\"", with: "NAME = \"\(name)\"")
                )
                try waitFor("'\(name)' to be served", every: 0.01) {
                    (try? httpGet(port: port, timeout: 2))?.body.hasPrefix("\(name) ") == true ? true : nil
                }
                return Date().timeIntervalSince(start)
            }
            var times = [try edit(to: "one"), try edit(to: "two"), try edit(to: "three")]
            times.sort()
            print("reload mode: edit → served in \(times.map { Int($0 * 1000) }) ms")
            // Not a speed test (that is for benchmarks, on a quiet machine): the loose bound
            // catches an edit that waits for some later event instead of the debounce.
            #expect(times[1] < 3.0)

            // Files under excluded directories do not count.
            let rollouts = drover.logCount("Changed:")
            try directory.write(".venv/lib/site.py", "x = 2\n")
            try directory.write("notes.txt", "not python\n")
            // A change that counts, in a subdirectory: its restart comes after the ignored ones would have.
            try directory.write("pkg/util.py", "y = 1\n")
            try drover.waitForLog("Changed: pkg/util.py; restarting the workers")
            #expect(drover.logCount("Changed:") == rollouts + 1)
            #expect(!drover.log.contains("Changed: .venv"))

            // A syntax error: the old worker keeps serving, and the error is logged.
            try directory.write("main.py", "def broken(:\n")
            try drover.waitForLog("SyntaxError")
            try drover.waitForLog("failed; keeping the old workers")
            #expect(try httpGet(port: port).body.hasPrefix("three "))
            _ = try edit(to: "fixed")
            // A directory created later is watched too.
            try directory.write("later/new_module.py", "z = 1\n")
            try drover.waitForLog("Changed: later/new_module.py")
            #expect(try drover.stop() == 0)
        }
    }
}
