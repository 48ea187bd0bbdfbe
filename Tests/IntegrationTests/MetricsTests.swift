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
    /// The ops listener's `GET /metrics`, scraped by a real Prometheus server.
    @Suite("Metrics")
    struct MetricsTests {
        @Test(
            "A real Prometheus scrapes /metrics every second: ready workers, the restart after a kill -9, boot times, a rollout; promtool accepts the exposition",
            .enabled(
                if: PrometheusServer.isInstalled,
                "needs Debian's prometheus and curl on PATH (scripts/bootstrap installs them)"
            )
        )
        func prometheusScrapes() throws {
            let drover = try DroverProcess(
                ["-w", "2", "-b", "127.0.0.1:0", "--ops-bind", "127.0.0.1:0", "--timeout", "0", "testapp:app"]
            )
            try drover.waitForReady(2)
            let port = try drover.opsPort()

            // As served: the text format, the pool's levels, every restart reason at 0.
            let response = try httpGet(port: port, "/metrics")
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
            let lines = Set(response.body.split(separator: "\n").map(String.init))
            #expect(lines.contains(#"drover_workers{pool="web",state="ready"} 2.0"#))
            #expect(lines.contains(#"drover_workers_desired{pool="web"} 2.0"#))
            #expect(lines.contains(#"drover_worker_restarts_total{pool="web",reason="signal"} 0"#))
            #expect(lines.contains(#"drover_worker_boot_duration_seconds_count{pool="web"} 2"#))
            #expect(lines.contains(#"# TYPE process_cpu_seconds_total counter"#))
            #expect(lines.contains { $0.hasPrefix("process_open_fds ") })
            for worker in drover.workers {
                #expect(
                    lines.contains {
                        $0.hasPrefix(#"drover_worker_resident_memory_bytes{pool="web","#)
                            && $0.contains(#"pid="\#(worker)""#)
                    }
                )
            }
            // promtool's linter: names, units, suffixes, HELP and TYPE lines.
            if let promtool = executableInPath("promtool") {
                let check = try run(promtool, ["check", "metrics"], input: response.body)
                #expect(check.status == 0, "promtool check metrics: \(check.output)")
                #expect(check.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
            }
            // HEAD answers the headers alone.
            let head = try curl(["--head", "http://127.0.0.1:\(port)/metrics"])
            #expect(head.status == 0 && head.output.hasPrefix("HTTP/1.1 200 OK\r\n"))

            let prometheus = try PrometheusServer(scraping: ["127.0.0.1:\(port)"])
            try waitFor("Prometheus to see 2 ready workers\n\(prometheus.log)", timeout: 30) {
                try prometheus.sum(#"drover_workers{state="ready"}"#) == 2 ? true : nil
            }
            #expect(try prometheus.sum(#"up{job="drover"}"#) == 1)
            #expect(try prometheus.sum(#"drover_worker_restarts_total{reason="signal"}"#) == 0)
            #expect(try prometheus.sum("drover_worker_boot_duration_seconds_count") == 2)

            // kill -9 of a worker: droverd replaces it, and Prometheus sees one restart, by signal.
            let victim = try #require(workerPID(try httpGet(port: try drover.port(), "/pid")))
            kill(victim, SIGKILL)
            try waitFor("Prometheus to count the restart\n\(prometheus.log)", timeout: 30) {
                try prometheus.sum(#"drover_worker_restarts_total{reason="signal"}"#) == 1 ? true : nil
            }
            try drover.waitForReady(3)
            try waitFor("Prometheus to see 2 ready workers again", timeout: 30) {
                try prometheus.sum(#"drover_workers{state="ready"}"#) == 2
                    && prometheus.sum("drover_worker_boot_duration_seconds_count") == 3 ? true : nil
            }
            #expect(try prometheus.sum("drover_worker_restarts_total") == 1)
            let killed = try prometheus.query(#"drover_worker_restarts_total{reason="signal"}"#)
            #expect(killed.map(\.labels["pool"]) == ["web"])
            // The killed worker's series are gone from the last scrape.
            #expect(try prometheus.query(#"drover_worker_age_seconds{pid="\#(victim)"}"#).isEmpty)

            // A reload rolls both workers out: one rollout, started and succeeded, two workers replaced.
            #expect(try drover.ctl("reload").status == 0)
            try waitFor("Prometheus to see the rollout", timeout: 30) {
                try prometheus.sum("drover_rollouts_succeeded_total") == 1 ? true : nil
            }
            #expect(try prometheus.sum("drover_rollouts_started_total") == 1)
            #expect(try prometheus.sum("drover_rollouts_rolled_back_total") == 0)
            #expect(try prometheus.sum(#"drover_worker_restarts_total{reason="reload"}"#) == 2)
            #expect(try prometheus.sum(#"up{job="drover"}"#) == 1)

            prometheus.stop()
            #expect(try drover.stop() == 0)
        }

        @Test("Requests served and in flight per worker, busy workers, heartbeat age: read from the heartbeat pages")
        func requestLoad() throws {
            let drover = try DroverProcess(["-w", "2", "-b", "127.0.0.1:0", "--ops-bind", "127.0.0.1:0", "testapp:app"])
            try drover.waitForReady(2)
            let ops = try drover.opsPort()
            let port = try drover.port()
            func sample(_ name: String) throws -> [String: Double] {
                var values: [String: Double] = [:]
                for line in try httpGet(port: ops, "/metrics").body.split(separator: "\n")
                where line.hasPrefix(name + "{") {
                    let parts = line.split(separator: " ")
                    values[String(parts[0])] = Double(parts[1])
                }
                return values
            }
            for _ in 0..<7 { #expect(try httpGet(port: port, "/pid").status == 200) }
            // The counts reach the page with the next beat (every 0.1 s).
            try waitFor("7 requests counted") {
                try sample("drover_worker_requests_total").values.reduce(0, +) >= 7 ? true : nil
            }
            #expect(try sample("drover_worker_requests_total").count == 2)
            #expect(try sample("drover_busy_workers") == [#"drover_busy_workers{pool="web"}"#: 0])
            #expect(try sample("drover_worker_heartbeat_age_seconds").values.allSatisfy { $0 >= 0 && $0 < 5 })

            let slow = try Process.background("/usr/bin/curl", ["-s", "http://127.0.0.1:\(port)/slow?s=5"])
            defer { slow.terminate() }
            try waitFor("one request in flight, one busy worker") {
                let inFlight = try sample("drover_worker_requests_in_flight").values.reduce(0, +)
                let busy = try sample("drover_busy_workers").values.first
                return inFlight == 1 && busy == 1 ? true : nil
            }
            if let promtool = executableInPath("promtool") {
                let check = try run(promtool, ["check", "metrics"], input: try httpGet(port: ops, "/metrics").body)
                #expect(
                    check.status == 0 && check.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
                    "\(check.output)"
                )
            }
            #expect(try drover.stop() == 0)
        }

        @Test("The accept queue of each TCP listener and its limit: connections no worker took yet")
        func acceptQueue() throws {
            let drover = try DroverProcess(
                ["-w", "1", "-b", "127.0.0.1:0", "--ops-bind", "127.0.0.1:0", "--timeout", "0", "testapp:app"]
            )
            try drover.waitForReady(1)
            let ops = try drover.opsPort()
            let port = try drover.port()
            func queue(_ name: String) throws -> Double? {
                let prefix = #"\#(name){listener="http://127.0.0.1:\#(port)"} "#
                return try httpGet(port: ops, "/metrics").body.split(separator: "\n")
                    .first { $0.hasPrefix(prefix) }.flatMap { Double($0.dropFirst(prefix.count)) }
            }
            #expect(try queue("drover_listen_queue") == 0)
            #expect(try queue("drover_listen_queue_limit") == 2048)
            // The only worker's loop is blocked: new connections wait in the listener's queue.
            let blocked = try Process.background("/usr/bin/curl", ["-s", "http://127.0.0.1:\(port)/block?s=5"])
            defer { blocked.terminate() }
            try drover.waitForLog("block start")
            let waiting = try (0..<5).map { _ in try HTTPConnection(port: port) }
            try waitFor("5 connections queued") { try queue("drover_listen_queue") == 5 ? true : nil }
            #expect(waiting.count == 5)  // closed when they go
            #expect(try drover.stop() == 0)
        }
    }
}
