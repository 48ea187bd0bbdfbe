//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Counts answers from threads.
private final class Answers: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [String] = []

    func add(_ result: String) { lock.withLock { results.append(result) } }
    var all: [String] { lock.withLock { results } }
}

extension Integration {
    @Suite("Stopping real workers")
    struct StopTests {
        @Test("TERM with 20 requests in flight: all 20 complete, new connections are refused at once, exit 0")
        func gracefulStop() throws {
            let drover = try DroverProcess(["-w", "2", "-b", "127.0.0.1:0", "testapp:app"])
            try drover.waitForReady(2)
            let port = try drover.port()
            let answers = Answers()
            for _ in 0..<20 {
                Thread.detachNewThread {
                    do {
                        let response = try httpGet(port: port, "/slow?s=2", timeout: 20)
                        answers.add("\(response.status) \(response.body.prefix(9))")
                    } catch {
                        answers.add("error \(error)")
                    }
                }
            }
            try drover.waitForLog("slow start", count: 20)
            drover.signal(SIGTERM)
            try drover.waitForLog("Stopping gracefully")
            #expect(connectionRefused(port: port))
            try waitFor("20 answers") { answers.all.count == 20 ? true : nil }
            #expect(answers.all == Array(repeating: "200 slow done", count: 20))
            #expect(try drover.waitForExit() == 0)
        }

        @Test("QUIT stops quickly, without waiting for slow requests")
        func quickStop() throws {
            let drover = try DroverProcess(["-w", "1", "-b", "127.0.0.1:0", "testapp:app"])
            try drover.waitForReady(1)
            let port = try drover.port()
            Thread.detachNewThread { _ = try? httpGet(port: port, "/slow?s=20", timeout: 30) }
            try drover.waitForLog("slow start")
            let sent = Date()
            drover.signal(SIGQUIT)
            #expect(try drover.waitForExit(timeout: 10) == 0)
            #expect(Date().timeIntervalSince(sent) < 5)
        }

        @Test("kill -9 of droverd: no worker survives it by more than 1 s, and the port is free again")
        func killDroverd() throws {
            let drover = try DroverProcess(["-w", "2", "-b", "127.0.0.1:0", "testapp:app"])
            let workers = try drover.waitForReady(2)
            let port = try drover.port()
            let killed = Date()
            drover.signal(SIGKILL)
            // PR_SET_PDEATHSIG is SIGKILL: the kernel kills the workers with droverd, within 1 s.
            try waitFor("every worker to die", timeout: 1, every: 0.005) {
                workers.allSatisfy { !processIsAlive($0) } ? true : nil
            }
            print("kill -9 droverd: workers gone after \(Int(Date().timeIntervalSince(killed) * 1000)) ms")
            let next = try DroverProcess(["-b", "127.0.0.1:\(port)", "testapp:app"])
            try next.waitForReady(1)
            #expect(try httpGet(port: port).status == 200)
            #expect(try next.stop() == 0)
        }
    }
}
