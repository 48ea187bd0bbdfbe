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
    @Suite("max_worker_lifetime with real workers")
    struct LifetimeTests {
        @Test(
            "workers past max_worker_lifetime are replaced surge-first under load: no failed request, new pids, reason lifetime",
            arguments: [1, 2]
        )
        func recycleUnderLoad(workers: Int) throws {
            let drover = try DroverProcess([
                "-w", "\(workers)", "--max-worker-lifetime", "2", "-b", "127.0.0.1:0", "testapp:app",
            ])
            let before = Set(try drover.waitForReady(workers))
            let port = try drover.port()
            let events = try drover.subscribeToEvents()
            defer { events.terminate() }
            let load = LoadGenerator(port: port, fresh: 2, keepAlive: 2, limit: 60)
            // Two recycles, one at a time (max_surge unset: 1); with one worker, never none ready.
            try drover.waitForLog("(lifetime)", count: 2, timeout: 30)
            try waitFor("two worker_stopping events with reason lifetime") {
                let lines = events.output.split(separator: "\n").filter {
                    $0.contains("\"worker_stopping\"") && $0.contains("\"lifetime\"")
                }
                return lines.count >= 2 ? true : nil
            }
            try load.stop()
            print("lifetime, \(workers) worker(s): \(load.succeeded) answers, \(load.failureList.count) failed")
            #expect(load.failureList.isEmpty, "\(load.failureList.prefix(5))")
            #expect(load.succeeded > 0)
            try waitFor("the first workers gone") { Set(drover.workers).isDisjoint(with: before) ? true : nil }
            #expect(drover.logCount("exited unexpectedly") == 0)
            #expect(try drover.stop() == 0)
        }

        @Test("max_worker_memory: a worker whose USS stays over the limit is replaced surge first, reason memory")
        func memoryLimit() throws {
            let drover = try DroverProcess([
                "-w", "1", "--max-worker-memory", "1MiB", "--memory-interval", "1", "--memory-samples", "2",
                "-b", "127.0.0.1:0", "testapp:app",
            ])
            let first = try drover.waitForReady(1)[0]
            let port = try drover.port()
            let events = try drover.subscribeToEvents()
            defer { events.terminate() }
            let stopping = try waitFor("the worker's recycle", timeout: 30) {
                events.output.split(separator: "\n").first {
                    $0.contains("worker_stopping") && $0.contains(#""pid":\#(first)"#)
                }
            }
            #expect(stopping.contains(#""reason":"memory""#), "\(stopping)")
            // Surge first: by then its replacement was ready, and the pool serves.
            #expect(events.output.contains("worker_ready"))
            #expect(try httpGet(port: port, "/pid").status == 200)
            #expect(try drover.stop() == 0)
        }

        @Test("pool_memory_limit: while the pool's total stays over it, the largest worker is replaced surge first")
        func poolMemoryLimit() throws {
            let drover = try DroverProcess([
                "-w", "2", "--pool-memory-limit", "1MiB", "--memory-interval", "1", "--memory-samples", "2",
                "-b", "127.0.0.1:0", "testapp:app",
            ])
            let first = Set(try drover.waitForReady(2))
            let port = try drover.port()
            let events = try drover.subscribeToEvents()
            defer { events.terminate() }
            let load = LoadGenerator(port: port, fresh: 1, keepAlive: 1, limit: 30)
            let stopping = try waitFor("a recycle for the pool's memory", timeout: 30) {
                events.output.split(separator: "\n").first {
                    $0.contains("worker_stopping") && $0.contains(#""reason":"poolMemory""#)
                }
            }
            try load.stop()
            // One of the first workers, replaced surge first: no request failed, the pool serves.
            #expect(first.contains { stopping.contains(#""pid":\#($0)"#) }, "\(stopping)")
            #expect(load.failureList.isEmpty, "\(load.failureList.prefix(5))")
            #expect(drover.logCount("stayed over pool_memory_limit") >= 1)
            #expect(try httpGet(port: port, "/pid").status == 200)
            #expect(try drover.stop() == 0)
        }

        @Test(
            "a leaking app (1 MiB per /leak) under load with max_worker_memory: workers recycled surge first, none far over the limit, no failed request",
            arguments: [1, 2]
        )
        func leakingApp(workers: Int) throws {
            let limit = 96 << 20
            let drover = try DroverProcess([
                "-w", "\(workers)", "--max-worker-memory", "96MiB", "--memory-interval", "1", "--memory-samples", "2",
                "-b", "127.0.0.1:0", "leaky:app",
            ])
            try drover.waitForReady(workers)
            let port = try drover.port()
            // Fresh and keep-alive load on /pid (no leak), and a paced leak: 20 MiB/s over the pool.
            let load = LoadGenerator(port: port, fresh: 1, keepAlive: 1, limit: 30)
            let start = Date()
            var highest: [Int32: Int] = [:]
            var leaks = 0
            var leakFailures: [String] = []
            while Date().timeIntervalSince(start) < 30 {
                do {
                    if try httpGet(port: port, "/leak", timeout: 10).status == 200 { leaks += 1 }
                } catch {
                    leakFailures.append("\(error)")
                }
                for pid in drover.workers { highest[pid] = max(highest[pid] ?? 0, ProcessStats.uss(pid)) }
                Thread.sleep(forTimeInterval: 0.05)
            }
            try load.stop()
            let recycled = drover.logCount("stayed over max_worker_memory")
            let peak = highest.values.max() ?? 0
            print(
                "leaking app, \(workers) worker(s): \(leaks) MiB leaked in 30 s, \(recycled) recycles, \(highest.count) workers seen, highest USS \(peak >> 20) MiB (limit 96); \(load.succeeded) answers, \(load.failureList.count) failed, \(leakFailures.count) leak requests failed"
            )
            #expect(recycled >= 2)
            #expect(load.failureList.isEmpty, "\(load.failureList.prefix(5))")
            #expect(leakFailures.isEmpty, "\(leakFailures.prefix(5))")
            #expect(load.succeeded > 0)
            // Over the limit for up to two 1 s samples plus a replacement's boot, at ~15 MiB/s: a
            // worker never gets far past the limit (never twice it; without a limit it reaches ~400 MiB).
            #expect(peak < 2 * limit, "highest USS \(peak >> 20) MiB")
            #expect(try drover.stop() == 0)
        }
    }
}
