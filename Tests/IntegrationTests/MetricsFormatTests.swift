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
    /// `GET /metrics` in OpenMetrics when the scraper asks for it, and each worker's PSS.
    @Suite("Metrics: OpenMetrics and PSS")
    struct MetricsFormatTests {
        /// What Debian's Prometheus 2.42 sends by default.
        static let prometheusAccept =
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

        /// Runs the checkout's Python (`.venv` first on PATH) with `script`, `input` on stdin.
        func python(_ script: String, _ arguments: [String] = [], input: String? = nil) throws -> String {
            let python = try #require(executableInPath("python3"))
            let result = try run(python, ["-c", script] + arguments, input: input)
            guard result.status == 0 else { throw Timeout(description: "python: \(result.output)") }
            return result.output
        }

        @Test(
            "Accept asks for OpenMetrics: droverd's and the app's families in it, the app's as prometheus_client writes them, and a real Prometheus negotiates it",
            .enabled(
                if: PrometheusServer.isInstalled,
                "needs Debian's prometheus and curl on PATH (scripts/bootstrap installs them)"
            )
        )
        func openMetrics() throws {
            let app = try AppDirectory("openmetrics")
            try app.copyFixtures(["metrics_app.py"])
            let drover = try DroverProcess(
                ["-w", "2", "-b", "127.0.0.1:0", "--ops-bind", "127.0.0.1:0", "--timeout", "0", "metrics_app:app"],
                in: app.url
            )
            try drover.waitUntilReady()
            let ops = try drover.opsPort()
            let port = try drover.port()
            let line = try drover.waitForLog("Prometheus multiprocess directories: ")
            let root = line.components(separatedBy: "directories: ")[1].split(separator: " ")[0]
            let directory = String(root.dropLast("/POOL".count)) + "/web"
            for _ in 0..<5 { #expect(try httpGet(port: port).status == 200) }

            let response = try httpGet(port: ops, "/metrics", headers: [("Accept", Self.prometheusAccept)])
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "application/openmetrics-text; version=1.0.0; charset=utf-8")
            let body = response.body
            #expect(body.hasSuffix("\n# EOF\n"))
            #expect(body.contains("# TYPE drover_worker_restarts counter\n"))
            #expect(body.contains(#"drover_worker_restarts_total{pool="web",reason="signal"} 0"#))
            #expect(body.contains("# TYPE app_requests counter\n"))
            #expect(body.contains(#"app_requests_total{path="/"} 5.0"#))
            #expect(!body.contains("# UNIT"))
            // The OpenMetrics parser of prometheus_client reads all of it (promtool 2.42 lints only
            // the text format).
            let families = try python(
                """
                import sys
                from prometheus_client.openmetrics.parser import text_string_to_metric_families
                for family in text_string_to_metric_families(sys.stdin.read()):
                    print(family.name, family.type)
                """,
                input: body
            )
            #expect(families.contains("drover_worker_restarts counter\n"))
            #expect(families.contains("drover_worker_boot_duration_seconds histogram\n"))
            #expect(families.contains("app_request_duration_seconds histogram\n"))
            // The app's part is the library's own OpenMetrics exposition of the same files.
            let library = try python(
                """
                import glob, os, sys
                from prometheus_client import CollectorRegistry
                from prometheus_client.multiprocess import MultiProcessCollector
                from prometheus_client.openmetrics.exposition import generate_latest
                class Files:
                    def collect(self):
                        files = sorted(glob.glob(os.path.join(sys.argv[1], "*.db")))
                        return MultiProcessCollector.merge(files, accumulate=True)
                registry = CollectorRegistry()
                registry.register(Files())
                sys.stdout.write(generate_latest(registry).decode())
                """,
                [directory]
            )
            #expect(library.contains("app_requests_total"))
            #expect(body.hasSuffix(library), "droverd:\n\(body)\nthe library:\n\(library)")
            // Without Accept (or with the text format first): text 0.0.4, no # EOF.
            let text = try httpGet(port: ops, "/metrics", headers: [("Accept", "text/plain;version=0.0.4")])
            #expect(text.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
            #expect(text.body.contains("# TYPE drover_worker_restarts_total counter\n"))
            #expect(!text.body.contains("# EOF"))

            // Prometheus 2.42 asks for OpenMetrics: its metadata names the counter family without
            // _total, which only an OpenMetrics scrape gives it.
            let prometheus = try PrometheusServer(scraping: ["127.0.0.1:\(ops)"])
            defer { prometheus.stop() }
            try waitFor("Prometheus to see 5 requests and 2 ready workers\n\(prometheus.log)", timeout: 30) {
                try prometheus.sum("app_requests_total") == 5 && prometheus.sum(#"drover_workers{state="ready"}"#) == 2
                    ? true : nil
            }
            let metadata = try curl([
                "-G", "http://127.0.0.1:\(prometheus.port)/api/v1/targets/metadata",
                "--data-urlencode", "metric=drover_worker_restarts",
            ])
            #expect(metadata.output.contains(#""type":"counter""#), "\(metadata.output)")
            #expect(try prometheus.sum(#"up{job="drover"}"#) == 1)
            prometheus.stop()
            #expect(try drover.stop() == 0)
        }

        @Test("Each live worker's PSS, from /proc/PID/smaps_rollup: above 0, at most its RSS, near what /proc says")
        func proportionalMemory() throws {
            let drover = try DroverProcess(["-w", "2", "-b", "127.0.0.1:0", "--ops-bind", "127.0.0.1:0", "testapp:app"])
            try drover.waitForReady(2)
            let ops = try drover.opsPort()
            func gauge(_ name: String, pid: Int32, in body: String) -> Double? {
                body.split(separator: "\n").first { $0.hasPrefix(name + "{") && $0.contains(#"pid="\#(pid)""#) }
                    .flatMap { Double($0.split(separator: " ").last ?? "") }
            }
            for format in ["text/plain", Self.prometheusAccept] {
                let body = try httpGet(port: ops, "/metrics", headers: [("Accept", format)]).body
                #expect(drover.workers.count == 2)
                for pid in drover.workers {
                    let pss = try #require(gauge("drover_worker_pss_bytes", pid: pid, in: body), "\(body)")
                    let rss = try #require(gauge("drover_worker_resident_memory_bytes", pid: pid, in: body))
                    #expect(pss > 0)
                    #expect(pss <= rss)
                    // /proc now: the worker is idle, so its PSS moves little between the two reads.
                    let rollup = try String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8)
                    let kilobytes = try #require(
                        rollup.split(separator: "\n").first { $0.hasPrefix("Pss:") }
                            .flatMap { Double($0.split(separator: " ", omittingEmptySubsequences: true)[1]) }
                    )
                    #expect(abs(pss - kilobytes * 1024) <= 0.2 * kilobytes * 1024, "PSS \(pss), /proc \(kilobytes) kB")
                }
            }
            #expect(
                try httpGet(port: ops, "/metrics").body.contains(
                    "# TYPE drover_worker_pss_bytes gauge\n"
                )
            )
            #expect(try drover.stop() == 0)
        }
    }
}
