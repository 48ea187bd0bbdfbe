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
    /// The units in packaging/systemd under a real (private) systemd manager.
    @Suite(
        "Under a real systemd",
        .enabled(
            if: UserSystemd.available,
            "a private systemd --user manager cannot start here (it needs root and unshare)"
        )
    )
    struct RealSystemdTests {
        /// An app directory under .build (the units' PrivateTmp= hides /tmp) with drover.toml.
        func appDirectory(_ systemd: UserSystemd, port: Int, extra: String = "") throws -> URL {
            let app = systemd.base.appendingPathComponent("app")
            try FileManager.default.createDirectory(at: app, withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                at: Paths.fixtures.appendingPathComponent("testapp.py"),
                to: app.appendingPathComponent("main.py")
            )
            // No journald runs in the private manager: droverd's log (and the workers' stderr) go to a file.
            let log = "error_logfile = \"\(app.path)/error.log\"\n"
            try "workers = 2\nbind = [\"127.0.0.1:\(port)\"]\ngraceful_timeout = 20\n\(log)\(extra)".write(
                to: app.appendingPathComponent("drover.toml"),
                atomically: true,
                encoding: .utf8
            )
            return app
        }

        @Test(
            "start returns once every worker is ready; status shows droverd's STATUS; reload returns after the rollout; a bad reload keeps serving; stop drains"
        )
        func lifecycle() throws {
            let systemd = try UserSystemd()
            let port = freePort()
            let app = try appDirectory(systemd, port: port)
            try systemd.install("drover.service", try UserSystemd.packagedUnit("drover.service", app: app))

            let start = try systemd.systemctl("start", "drover.service")
            #expect(start.status == 0, "\(start.error)")
            #expect(try systemd.property("drover.service", "ActiveState") == "active")
            // Active means ready: both workers answer at once.
            let status = try droverctl(["--json", "status"], socket: systemd.controlSocket)
            #expect(status.output.contains("\"ready\":2"))
            #expect(try httpGet(port: port, "/pid").status == 200)
            #expect(try systemd.property("drover.service", "StatusText") == "web: 2/2 ready, gen 1")
            let show = try systemd.systemctl("status", "drover.service")
            #expect(show.output.contains("Status: \"web: 2/2 ready, gen 1\""))

            // reload: a new version of the app is served as soon as systemctl returns.
            let main = app.appendingPathComponent("main.py")
            try (try String(contentsOf: main, encoding: .utf8)).replacingOccurrences(
                of: "VERSION = \"v1\"",
                // A deploy changes more than three bytes: an edit of the same size, saved within the
                // second Python cached the old bytecode, would be served from that stale cache.
                with: "VERSION = \"v2\"  # deployed"
            )
            .write(to: main, atomically: true, encoding: .utf8)
            let reload = try systemd.systemctl("reload", "drover.service")
            #expect(reload.status == 0, "\(reload.error)")
            for _ in 0..<10 { #expect(try httpGet(port: port, "/pid").body.hasSuffix(" 2 v2")) }
            #expect(try systemd.property("drover.service", "StatusText") == "web: 2/2 ready, gen 2")

            // A broken configuration: the reload fails, the service stays active and serving.
            try "workers = \"many\"\n".write(
                to: app.appendingPathComponent("drover.toml"),
                atomically: true,
                encoding: .utf8
            )
            let broken = try systemd.systemctl("reload", "drover.service")
            #expect(broken.status != 0)
            #expect(try systemd.property("drover.service", "ActiveState") == "active")
            #expect(try httpGet(port: port, "/pid").body.hasSuffix(" 2 v2"))

            // stop drains the requests in flight.
            let answers = StatusCodes()
            for _ in 0..<5 {
                Thread.detachNewThread {
                    answers.add((try? httpGet(port: port, "/slow?s=2", timeout: 20))?.status ?? 0)
                }
            }
            try waitFor("the slow requests to arrive") { slowRequestsArrived(systemd, count: 5) ? true : nil }
            let stop = try systemd.systemctl("stop", "drover.service")
            #expect(stop.status == 0)
            try waitFor("the answers") { answers.all.count == 5 ? true : nil }
            #expect(answers.all == [200, 200, 200, 200, 200])
            #expect(try systemd.property("drover.service", "ActiveState") == "inactive")
        }

        @Test("the watchdog: a droverd stopped with SIGSTOP is restarted by systemd")
        func watchdog() throws {
            let systemd = try UserSystemd()
            let port = freePort()
            let app = try appDirectory(systemd, port: port)
            try systemd.install(
                "drover.service",
                try UserSystemd.packagedUnit(
                    "drover.service",
                    app: app,
                    replacing: [("WatchdogSec=30", "WatchdogSec=2\nTimeoutAbortSec=2")]
                )
            )
            #expect(try systemd.systemctl("start", "drover.service").status == 0)
            let first = try systemd.property("drover.service", "MainPID")
            kill(Int32(first)!, SIGSTOP)
            try waitFor("systemd to restart droverd", timeout: 30) {
                let pid = try systemd.property("drover.service", "MainPID")
                let active = try systemd.property("drover.service", "ActiveState")
                return pid != first && pid != "0" && active == "active" ? true : nil
            }
            #expect(try systemd.property("drover.service", "NRestarts") == "1")
            #expect(try httpGet(port: port, "/pid").status == 200)
        }

        @Test(
            "socket activation through drover.socket: the first connection starts droverd; a restart loses no connection"
        )
        func socketActivation() throws {
            let systemd = try UserSystemd()
            let port = freePort()
            let app = try appDirectory(systemd, port: port)
            // The socket comes from systemd: no bind in the file.
            try "workers = 2\ngraceful_timeout = 10\nerror_logfile = \"\(app.path)/error.log\"\n".write(
                to: app.appendingPathComponent("drover.toml"),
                atomically: true,
                encoding: .utf8
            )
            try systemd.install("drover.service", try UserSystemd.packagedUnit("drover.service", app: app))
            var socketUnit = try String(
                contentsOf: Paths.root.appendingPathComponent("packaging/systemd/drover.socket"),
                encoding: .utf8
            )
            socketUnit = socketUnit.replacingOccurrences(
                of: "ListenStream=0.0.0.0:80",
                with: "ListenStream=127.0.0.1:\(port)"
            )
            try systemd.install("drover.socket", socketUnit)
            #expect(try systemd.systemctl("start", "drover.socket").status == 0)
            #expect(try systemd.property("drover.service", "ActiveState") == "inactive")
            #expect(try httpGet(port: port, "/", timeout: 30).status == 200)
            // The first worker answered; the service is active once both are ready.
            try waitFor("the service to be active") {
                try systemd.property("drover.service", "ActiveState") == "active" ? true : nil
            }

            let load = LoadGenerator(port: port, fresh: 4, keepAlive: 0, path: "/pid", limit: 60)
            try waitFor("load to flow") { load.succeeded > 50 ? true : nil }
            let before = try systemd.property("drover.service", "MainPID")
            #expect(try systemd.systemctl("restart", "drover.service").status == 0)
            let served = load.succeeded
            try waitFor("the new droverd to serve") { load.succeeded > served + 100 ? true : nil }
            try load.stop()
            #expect(try systemd.property("drover.service", "MainPID") != before)
            #expect(load.failureList == [])
        }
    }
}

/// Whether the app logged `count` "slow start" lines (its stderr goes to droverd's error log file).
private func slowRequestsArrived(_ systemd: UserSystemd, count: Int) -> Bool {
    let log = (try? String(contentsOf: systemd.base.appendingPathComponent("app/error.log"), encoding: .utf8)) ?? ""
    return log.components(separatedBy: "slow start").count - 1 >= count
}

/// A free TCP port on 127.0.0.1.
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length)
            return getsockname(fd, $0, &length)
        }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Collects status codes from threads.
final class StatusCodes: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Int] = []

    func add(_ result: Int) { lock.withLock { results.append(result) } }
    var all: [Int] { lock.withLock { results } }
}
