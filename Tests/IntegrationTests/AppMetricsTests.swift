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
    /// The app's own `prometheus_client` metrics in multiprocess mode, owned by droverd: the
    /// directory it exports, the dead workers' files it folds, the merged metrics on `/metrics`.
    @Suite("App metrics")
    struct AppMetricsTests {
        /// droverd's own multiprocess directory for pool `web`, from its log line.
        func metricsDirectory(_ drover: DroverProcess) throws -> String {
            let line = try drover.waitForLog("Prometheus multiprocess directories: ")
            let root = line.components(separatedBy: "directories: ")[1].split(separator: " ")[0]
            return String(root.dropLast("/POOL".count)) + "/web"
        }

        /// The app's request counter as `/metrics` serves it.
        func served(_ ops: Int) throws -> Double? {
            try httpGet(port: ops, "/metrics").body.split(separator: "\n")
                .first { $0.hasPrefix(#"app_requests_total{path="/"} "#) }
                .flatMap { Double($0.split(separator: " ")[1]) }
        }

        /// The files in `directory` that belong to no live process of droverd's (none, once every
        /// dead worker is folded: only live workers', the template's and the archives are left).
        func strays(in directory: String, _ drover: DroverProcess) throws -> [String] {
            let live = Set((drover.workers + drover.templates).map(String.init))
            return try FileManager.default.contentsOfDirectory(atPath: directory).filter { name in
                let owner = name.dropLast(3).split(separator: "_").last.map(String.init) ?? ""
                return !(name.hasSuffix(".db") && (owner == "archive" || live.contains(owner)))
            }
        }

        @Test(
            "A real Prometheus scrapes the app's counter through droverd: the total is the requests made, also after kill -9 and folding, never lower than before",
            .enabled(
                if: PrometheusServer.isInstalled,
                "needs Debian's prometheus and curl on PATH (scripts/bootstrap installs them)"
            )
        )
        func prometheusCountsTheRequests() throws {
            let app = try AppDirectory("app-metrics")
            try app.copyFixtures(["metrics_app.py"])
            let drover = try DroverProcess(
                ["-w", "2", "-b", "127.0.0.1:0", "--ops-bind", "127.0.0.1:0", "--timeout", "0", "metrics_app:app"],
                in: app.url
            )
            try drover.waitUntilReady()
            let ops = try drover.opsPort()
            let port = try drover.port()
            let directory = try metricsDirectory(drover)
            var made = 0
            for _ in 0..<20 {
                #expect(try httpGet(port: port).status == 200)
                made += 1
            }
            let body = try httpGet(port: ops, "/metrics").body
            #expect(try served(ops) == 20, "\(body)")
            #expect(body.contains("app_requests_in_flight 0.0"))
            #expect(body.contains(#"app_request_duration_seconds_count 20.0"#))
            if let promtool = executableInPath("promtool") {
                let check = try run(promtool, ["check", "metrics"], input: body)
                #expect(check.status == 0, "promtool check metrics: \(check.output)")
            }

            let prometheus = try PrometheusServer(scraping: ["127.0.0.1:\(ops)"])
            defer { prometheus.stop() }
            try waitFor("Prometheus to see 20 requests\n\(prometheus.log)", timeout: 30) {
                try prometheus.sum("app_requests_total") == 20 ? true : nil
            }
            // Both workers die by kill -9: their counts are folded into the archive, not lost.
            let victims = drover.workers
            for victim in victims { kill(victim, SIGKILL) }
            try drover.waitForReady(4)
            try drover.waitUntilReady()
            for _ in 0..<10 {
                #expect(try httpGet(port: port).status == 200)
                made += 1
            }
            #expect(try served(ops) == Double(made))
            try waitFor("Prometheus to see \(made) requests\n\(prometheus.log)", timeout: 30) {
                try prometheus.sum("app_requests_total") == Double(made) ? true : nil
            }
            #expect(try prometheus.sum("resets(app_requests_total[10m])") == 0, "the total never went down")
            #expect(try prometheus.sum("app_request_duration_seconds_count") == Double(made))
            let live = try prometheus.query("app_worker_pid")
            #expect(Set(live.compactMap { $0.labels["pid"] }) == Set(drover.workers.map(String.init)))
            #expect(try prometheus.sum("app_largest_worker_pid").map { Int32($0) } == drover.workers.max())
            try waitFor("the dead workers' files folded") {
                try strays(in: directory, drover).isEmpty ? true : nil
            }
            for victim in victims {
                #expect(
                    !(try FileManager.default.contentsOfDirectory(atPath: directory)).contains {
                        $0.contains("\(victim)")
                    }
                )
            }

            prometheus.stop()
            #expect(try drover.stop() == 0)
            #expect(!FileManager.default.fileExists(atPath: directory), "droverd's directory goes with it")
        }

        @Test(
            "Two pools with app metrics: each sample gets its pool label, each pool's count its own; promtool accepts it"
        )
        func twoPools() throws {
            let app = try AppDirectory("app-metrics-pools")
            try app.copyFixtures(["metrics_app.py"])
            let ports = [try freeLoopbackPort(), try freeLoopbackPort()]
            try app.write(
                "drover.toml",
                """
                ops_bind = "127.0.0.1:0"
                timeout = 0

                [pools.web]
                app = "metrics_app:app"
                bind = ["127.0.0.1:\(ports[0])"]
                workers = 2

                [pools.api]
                app = "metrics_app:app"
                bind = ["127.0.0.1:\(ports[1])"]
                workers = 1
                """
            )
            let drover = try DroverProcess([], in: app.url)
            try drover.waitUntilReady()
            for _ in 0..<3 { #expect(try httpGet(port: ports[0]).status == 200) }
            for _ in 0..<2 { #expect(try httpGet(port: ports[1]).status == 200) }
            let body = try httpGet(port: try drover.opsPort(), "/metrics").body
            let lines = Set(body.split(separator: "\n").map(String.init))
            #expect(lines.contains(#"app_requests_total{path="/",pool="web"} 3.0"#), "\(body)")
            #expect(lines.contains(#"app_requests_total{path="/",pool="api"} 2.0"#))
            #expect(body.components(separatedBy: "# TYPE app_requests_total counter").count == 2, "one block")
            if let promtool = executableInPath("promtool") {
                let check = try run(promtool, ["check", "metrics"], input: body)
                #expect(check.status == 0, "promtool check metrics: \(check.output)")
            }
            #expect(try drover.stop() == 0)
        }

        @Test(
            "droverd killed by SIGKILL leaves its directory; the next droverd of that name and runtime directory removes it"
        )
        func leftovers() throws {
            let app = try AppDirectory("app-metrics-leftovers")
            try app.copyFixtures(["metrics_app.py"])
            let arguments = ["-w", "1", "-b", "127.0.0.1:0", "--timeout", "0", "metrics_app:app"]
            let killed = try DroverProcess(arguments, in: app.url)
            try killed.waitUntilReady()
            let left = try metricsDirectory(killed)
            kill(killed.pid, SIGKILL)
            try killed.waitForExit()
            #expect(FileManager.default.fileExists(atPath: left))
            let next = try DroverProcess(
                arguments,
                in: app.url,
                environment: ["DROVER_CONTROL_SOCKET": killed.controlSocket]
            )
            try next.waitUntilReady()
            #expect(!FileManager.default.fileExists(atPath: String(left.dropLast("/web".count))))
            #expect(try next.stop() == 0)
        }

        @Test(
            "Many dead workers (kill -9 after each request): the directory holds the live workers' files and the archives, the total is every request, /metrics answers in milliseconds"
        )
        func manyDeadWorkers() throws {
            let deaths = Int(ProcessInfo.processInfo.environment["DROVER_TEST_DEAD_WORKERS"] ?? "") ?? 300
            let app = try AppDirectory("app-metrics-churn")
            try app.copyFixtures(["metrics_app.py"])
            let drover = try DroverProcess(
                [
                    "-w", "4", "-b", "127.0.0.1:0", "--ops-bind", "127.0.0.1:0", "--timeout", "0", "--spawn", "fork",
                    "--preload", "metrics_app:app",
                ],
                in: app.url
            )
            try drover.waitUntilReady()
            let ops = try drover.opsPort()
            let port = try drover.port()
            let directory = try metricsDirectory(drover)
            let started = Date()
            var highest = 0.0
            for death in 0..<deaths {
                let answer = try httpGet(port: port)
                let victim = try #require(Int32(answer.body.trimmingCharacters(in: .whitespacesAndNewlines)))
                kill(victim, SIGKILL)
                if death % 50 == 49 {  // a scrape now and then, while workers die and are folded
                    let total = try #require(try served(ops))
                    #expect(total >= highest, "the total went down")
                    highest = total
                }
            }
            let churn = Date().timeIntervalSince(started)
            try drover.waitUntilReady(timeout: 60)
            try waitFor("every dead worker's files folded", timeout: 60) {
                try strays(in: directory, drover).isEmpty ? true : nil
            }
            let files = try FileManager.default.contentsOfDirectory(atPath: directory)
            let processes = drover.workers.count + drover.templates.count
            #expect(files.count <= 13 * processes + 7, "\(files.sorted())")
            #expect(try served(ops) == Double(deaths))
            var times: [Double] = []
            for _ in 0..<20 {
                let before = Date()
                #expect(try httpGet(port: ops, "/metrics").status == 200)
                times.append(Date().timeIntervalSince(before) * 1000)
            }
            times.sort()
            print(
                "\(deaths) dead workers in \(String(format: "%.1f", churn)) s; directory: \(files.count) files for \(processes) live processes; GET /metrics: median \(String(format: "%.1f", times[10])) ms, max \(String(format: "%.1f", times[19])) ms"
            )
            #expect(try drover.stop() == 0)
        }
    }
}
