//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension Integration {
    @Suite("request_timeout with real workers")
    struct RequestTimeoutTests {
        @Test(
            "a request in flight past request_timeout: the worker prints its stacks, is replaced surge first under load, and the late request gets 503",
            arguments: [1, 2]
        )
        func lateRequest(workers: Int) throws {
            let drover = try DroverProcess([
                "-w", "\(workers)", "--request-timeout", "1", "-b", "127.0.0.1:0", "testapp:app",
            ])
            let before = Set(try drover.waitForReady(workers))
            let port = try drover.port()
            let events = try drover.subscribeToEvents()
            defer { events.terminate() }
            let load = LoadGenerator(port: port, fresh: 2, keepAlive: 2, limit: 60)
            let late = Mutex<String?>(nil)
            Thread.detachNewThread {
                let answer: String
                do {
                    let response = try httpGet(port: port, "/slow?s=60", timeout: 90)
                    answer = "\(response.status) \(response.body)"
                } catch {
                    answer = "error \(error)"
                }
                late.withLock { $0 = answer }
            }
            try drover.waitForLog("slow start")
            try waitFor("a worker_timeout event with reason requestTimeout", timeout: 20) {
                events.output.contains("\"requestTimeout\"") ? true : nil
            }
            // Its stacks (faulthandler, on droverd's SIGUSR2), and the worker served on meanwhile.
            try drover.waitForLog("most recent call first")
            try waitFor("the late request's answer", timeout: 30) { late.withLock { $0 } }
            let answer = late.withLock { $0 } ?? ""
            #expect(answer.hasPrefix("503 "), "\(answer)")
            #expect(answer.contains("request_timeout"), "\(answer)")
            try waitFor("a worker_stopping event with reason requestTimeout") {
                events.output.split(separator: "\n").contains {
                    $0.contains("\"worker_stopping\"") && $0.contains("\"requestTimeout\"")
                } ? true : nil
            }
            try load.stop()
            print(
                "request_timeout, \(workers) worker(s): late request answered \(answer.prefix(3)); \(load.succeeded) answers, \(load.failureList.count) failed"
            )
            #expect(load.failureList.isEmpty, "\(load.failureList.prefix(5))")
            #expect(load.succeeded > 0)
            #expect(drover.logCount("WORKER REQUEST TIMEOUT") == 1)
            #expect(drover.logCount("WORKER TIMEOUT:") == 0)  // no heartbeat timeout: its loop was fine
            #expect(drover.logCount("exited unexpectedly") == 0)
            try waitFor("the worker gone, the pool full") {
                let now = Set(drover.workers)
                return now.count == workers && now != before ? true : nil
            }
            #expect(try httpGet(port: port).status == 200)
            #expect(try drover.stop() == 0)
        }

        @Test("request_timeout refuses a command pool and values under 1 s, with one line naming the culprit")
        func badValues() throws {
            let short = try run(Paths.droverd, ["--request-timeout", "0.5", "--check-config", "testapp:app"])
            #expect(short.status == 1)
            #expect(short.output.contains("--request-timeout"), "\(short.output)")
            #expect(short.output.contains("at least 1s"), "\(short.output)")
            let command = try run(
                Paths.droverd,
                ["-k", "command", "--request-timeout", "5", "--check-config", "--", "/bin/sleep", "9"]
            )
            #expect(command.status == 1)
            #expect(command.output.contains("--request-timeout"), "\(command.output)")
            #expect(command.output.contains("uvicorn workers only"), "\(command.output)")
        }
    }
}
