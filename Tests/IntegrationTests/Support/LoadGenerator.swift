//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

/// Client threads that send GET requests to 127.0.0.1 until stopped (and at most for
/// `limit` seconds), counting answers and failures: some open a fresh connection per
/// request, some keep their connection alive (and reconnect only when told `Connection: close`).
final class LoadGenerator: @unchecked Sendable {
    private let lock = NSLock()
    private var running = true
    private var done = 0
    private(set) var freshOK = 0
    private(set) var keepAliveOK = 0
    private(set) var failures: [String] = []
    private(set) var pids: Set<String> = []

    init(port: Int, fresh: Int, keepAlive: Int, path: String = "/pid", limit: Double = 60) {
        let deadline = Date().addingTimeInterval(limit)
        for _ in 0..<fresh {
            Thread.detachNewThread { [self] in
                while isRunning && Date() < deadline {
                    do {
                        record(try httpGet(port: port, path, timeout: 10), keepAlive: false)
                    } catch {
                        fail("fresh: \(error)")
                    }
                }
                finish()
            }
        }
        for _ in 0..<keepAlive {
            Thread.detachNewThread { [self] in
                var connection: HTTPConnection?
                while isRunning && Date() < deadline {
                    do {
                        if connection == nil { connection = try HTTPConnection(port: port, timeout: 10) }
                        let response = try connection!.get(path)
                        record(response, keepAlive: true)
                        if response.headers["connection"]?.lowercased() == "close" { connection = nil }
                    } catch {
                        fail("keep-alive: \(error)")
                        connection = nil
                    }
                }
                finish()
            }
        }
        threads = fresh + keepAlive
    }

    private var threads = 0

    private var isRunning: Bool { lock.withLock { running } }

    private func record(_ response: HTTPResponse, keepAlive: Bool) {
        lock.withLock {
            if response.status != 200 {
                failures.append("status \(response.status)")
            } else if keepAlive {
                keepAliveOK += 1
            } else {
                freshOK += 1
            }
            if let pid = response.body.split(separator: " ").first { pids.insert(String(pid)) }
        }
    }

    private func fail(_ what: String) {
        lock.withLock { failures.append(what) }
    }

    private func finish() {
        lock.withLock { done += 1 }
    }

    var succeeded: Int { lock.withLock { freshOK + keepAliveOK } }
    var failureList: [String] { lock.withLock { failures } }
    var answeringPIDs: Set<String> { lock.withLock { pids } }

    /// Stops every thread and waits for them.
    func stop() throws {
        lock.withLock { running = false }
        try waitFor("load threads to stop", timeout: 30) { lock.withLock { done == threads } ? true : nil }
    }
}
