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
    @Suite("Reload: surge rollouts of real workers")
    struct ReloadTests {
        /// An app directory with a copy of the test app as main.py.
        func appDirectory() throws -> URL {
            let directory = try Paths.temporaryDirectory("reload")
            try FileManager.default.copyItem(
                at: Paths.fixtures.appendingPathComponent("testapp.py"),
                to: directory.appendingPathComponent("main.py")
            )
            return directory
        }

        @Test("HUP under load: the new generation takes over with no failed request, fresh or keep-alive")
        func reloadUnderLoad() throws {
            let drover = try DroverProcess(["-w", "2", "-b", "127.0.0.1:0", "testapp:app"])
            let old = try drover.waitForReady(2)
            let load = LoadGenerator(port: try drover.port(), fresh: 3, keepAlive: 8)
            try waitFor("load to flow") { load.succeeded > 100 ? true : nil }
            drover.signal(SIGHUP)
            try drover.waitForLog("Rollout of web generation 2 finished")
            for pid in old { try drover.waitForLog("pid \(pid) exited: exit 0") }
            let served = load.succeeded
            try waitFor("more answers from the new generation") { load.succeeded > served + 100 ? true : nil }
            try load.stop()
            #expect(load.failureList == [])
            #expect(load.freshOK > 0 && load.keepAliveOK > 0)
            let new = Set(drover.workers)
            #expect(new.count == 2 && new.isDisjoint(with: old))
            #expect(drover.log.contains("Rollout of web generation 2 finished"))
            #expect(try drover.stop() == 0)
        }

        @Test("HUP with an app that no longer imports: the old workers keep serving; fixing it and HUP again rolls out")
        func reloadBrokenApp() throws {
            let directory = try appDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let main = directory.appendingPathComponent("main.py")
            let good = try String(contentsOf: main, encoding: .utf8)
            let drover = try DroverProcess(
                ["-w", "2", "-b", "127.0.0.1:0", "main:app"],
                in: directory,
                environment: ["PYTHONDONTWRITEBYTECODE": "1"]
            )
            let old = try drover.waitForReady(2)
            let port = try drover.port()
            let load = LoadGenerator(port: port, fresh: 2, keepAlive: 2)
            try "import nonexistent_dependency\n".write(to: main, atomically: true, encoding: .utf8)
            drover.signal(SIGHUP)
            let failure = try drover.waitForLog("Rollout of web generation 2 failed")
            #expect(failure.contains("No module named 'nonexistent_dependency'"))
            try drover.waitForLog("Reload failed")
            let served = load.succeeded
            try waitFor("the old workers to keep answering") { load.succeeded > served + 50 ? true : nil }
            try load.stop()
            #expect(load.failureList == [])
            // The failed generation's worker told its load failure before it exited: wait for it to go.
            func strays() -> String {
                Set(drover.workers).subtracting(old).map { pid in
                    let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? "?"
                    return "\(pid) \(comm.trimmingCharacters(in: .whitespacesAndNewlines))"
                }.joined(separator: ", ")
            }
            try waitFor("only the old workers left, not \(strays())\n\(drover.log)", timeout: 10) {
                Set(drover.workers) == Set(old) ? true : nil
            }
            #expect(load.answeringPIDs == Set(old.map(String.init)))

            try good.replacingOccurrences(of: "VERSION = \"v1\"", with: "VERSION = \"v2\"")
                .write(to: main, atomically: true, encoding: .utf8)
            drover.signal(SIGHUP)
            try drover.waitForLog("Rollout of web generation 3 finished")
            let answer = try httpGet(port: port, "/pid")
            #expect(answer.body.hasSuffix(" 3 v2"))
            #expect(try drover.stop() == 0)
        }

        @Test("a burst of HUPs converges: at most one rollout runs and one more is queued")
        func hupBurst() throws {
            let drover = try DroverProcess(["-w", "1", "-b", "127.0.0.1:0", "testapp:app"])
            try drover.waitForReady(1)
            for _ in 0..<50 { drover.signal(SIGHUP) }
            let port = try drover.port()
            // Signals coalesce in the kernel, and reloads that arrive during a rollout merge into one queued
            // reload, so 50 HUPs make one or two rollouts, each finished.
            let reloads = try waitFor("the reloads to finish") { () -> Int? in
                let started = drover.logCount("Reloading")
                guard started >= 1, drover.logCount("Reload finished") == started, drover.workers.count == 1 else {
                    return nil
                }
                let answer = try? httpGet(port: port, "/pid")
                return answer?.body.hasSuffix(" \(started + 1) v1") == true ? started : nil
            }
            #expect(reloads <= 2)
            #expect(drover.logCount("Rolling out web") == reloads)
            #expect(try drover.stop() == 0)
        }
    }
}
