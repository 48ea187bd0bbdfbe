//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The answer to a request made on another thread, read after `done`.
private final class SlowAnswer: @unchecked Sendable {
    var response: HTTPResponse?
    let done = DispatchSemaphore(value: 0)
}

extension Integration {
    /// `--shutdown-delay` with real Uvicorn workers: SIGTERM makes droverd not ready at once while
    /// its workers go on serving for the delay; then the graceful stop runs as without a delay.
    @Suite("Shutdown delay: not ready, still serving, then the graceful stop")
    struct ShutdownDelayTests {
        func ops(_ socket: String, _ path: String) throws -> HTTPResponse {
            try HTTPConnection(unixPath: socket, timeout: 5).get(path)
        }

        func start(delay: String, _ name: String) throws -> (DroverProcess, socket: String, directory: AppDirectory) {
            let directory = try AppDirectory(name)
            let socket = directory.url.appendingPathComponent("ops.sock").path
            let drover = try DroverProcess([
                "-w", "2", "-b", "127.0.0.1:0", "--ops-bind", "unix:\(socket)", "--shutdown-delay", delay,
                "--graceful-timeout", "20", "testapp:app",
            ])
            try drover.waitForReady(2)
            try waitFor("the ops listener") { try? ops(socket, "/readyz").status == 200 ? true : nil }
            return (drover, socket, directory)
        }

        @Test(
            "SIGTERM with --shutdown-delay 3: /readyz 503 at once, fresh connections served for the delay, refused after; in-flight requests complete; exit 0"
        )
        func lameDuck() throws {
            let (drover, socket, directory) = try start(delay: "3", "shutdown-delay")
            defer { withExtendedLifetime(directory) {} }
            let port = try drover.port()
            let events = try drover.subscribeToEvents()
            defer { events.terminate() }
            // A request in flight across the delay and into the drain.
            let slow = SlowAnswer()
            Thread.detachNewThread {
                slow.response = try? httpGet(port: port, "/slow?s=5", timeout: 30)
                slow.done.signal()
            }
            try drover.waitForLog("slow start")

            let sent = Date()
            drover.signal(SIGTERM)
            try waitFor("/readyz 503", every: 0.001) { try ops(socket, "/readyz").status == 503 ? true : nil }
            let notReady = Date().timeIntervalSince(sent)
            print("shutdown delay: /readyz answered 503 \(Int(notReady * 1000)) ms after SIGTERM")
            #expect(notReady < 2, "far too slow to turn not ready")
            let body = try ops(socket, "/readyz").body
            #expect(body.contains("\"ready\":false") && body.contains("shutdown delay"), "\(body)")
            #expect(try drover.ctl("status", "--ready").status == 1)
            #expect(try ops(socket, "/livez").status == 200)

            // Fresh connections, each on a new socket, are served while the delay lasts.
            try drover.waitForLog("Shutdown delay")
            var served = 0
            for _ in 0..<20 where try httpGet(port: port, "/", timeout: 5).status == 200 { served += 1 }
            #expect(drover.logCount("Stopping gracefully") == 0, "the requests above came after the delay")
            #expect(served == 20)
            let refused = try drover.ctl("scale", "web", "3")
            #expect(refused.status == 1)
            #expect(refused.error.contains("shutdown delay"), "\(refused.error)")

            // Then the graceful stop: new connections refused, the slow request completes, exit 0.
            try drover.waitForLog("Stopping gracefully", timeout: 10)
            let stopped = Date().timeIntervalSince(sent)
            print("shutdown delay: the graceful stop began \(Int(stopped * 1000)) ms after SIGTERM (delay 3 s)")
            #expect(stopped >= 2.9)
            // (The log line comes just before the sockets are shut down: allow that moment.)
            try waitFor("new connections refused", timeout: 2) { connectionRefused(port: port) ? true : nil }
            #expect(slow.done.wait(timeout: .now() + 20) == .success)
            #expect(slow.response?.status == 200)
            #expect(slow.response?.body.hasPrefix("slow done") == true)
            #expect(try drover.waitForExit() == 0)
            #expect(drover.logCount("Skipping the rest") == 0)
            let lines = events.output.split(separator: "\n")
            #expect(lines.contains { $0.contains("\"event\":\"shutdown_delay\"") && $0.contains("\"after_s\":3") })
            #expect(lines.contains { $0.contains("\"event\":\"stopping\"") })
        }

        @Test("a second SIGTERM skips the rest of the delay; SIGINT takes none")
        func secondSignalSkips() throws {
            let (drover, socket, directory) = try start(delay: "60", "shutdown-delay-skip")
            defer { withExtendedLifetime(directory) {} }
            let sent = Date()
            drover.signal(SIGTERM)
            try drover.waitForLog("Shutdown delay")
            #expect(try ops(socket, "/readyz").status == 503)
            drover.signal(SIGTERM)
            try drover.waitForLog("Skipping the rest of the shutdown delay")
            #expect(try drover.waitForExit(timeout: 20) == 0)
            print("shutdown delay 60 s, second SIGTERM: exit after \(Int(Date().timeIntervalSince(sent) * 1000)) ms")

            let (interrupted, _, other) = try start(delay: "60", "shutdown-delay-int")
            defer { withExtendedLifetime(other) {} }
            interrupted.signal(SIGINT)
            #expect(try interrupted.waitForExit(timeout: 20) == 0)
            #expect(interrupted.logCount("Shutdown delay") == 0)
        }
    }
}
