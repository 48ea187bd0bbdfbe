//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Foundation
import Testing

@testable import DroverCore
@testable import DroverDaemon

@Suite("/metrics in OpenMetrics: droverd's own families rewritten, the app's as prometheus_client writes them")
struct OpenMetricsTextTests {
    /// droverd's own exposition after a boot, a restart and a rollout, with a process sample.
    static func droverdExposition() -> String {
        var metrics = DaemonMetrics()
        metrics.record(.workerReady(worker(1), bootTime: .milliseconds(420)))
        metrics.record(.workerExited(worker(1), .signaled(.kill, coreDumped: false), failed: true))
        metrics.record(.rolloutStarted(pool: "web", from: 1, to: 2))
        return metrics.exposition(
            status: DaemonMetricsTests.twoWorkers,
            process: ProcessSample.current(),
            proportional: [101: 20_000_000],
            loads: [101: WorkerLoad(served: 7, inFlight: 1, heartbeatAge: 0.05)],
            queues: [("http://127.0.0.1:8000", 3, 128)]
        )
    }

    @Test(
        "A counter family loses _total in HELP and TYPE, its samples keep it; help escapes quotes; untyped is unknown"
    )
    func rewrite() {
        let text = """
            # HELP drover_worker_restarts_total Workers "that" ended\\n.
            # TYPE drover_worker_restarts_total counter
            drover_worker_restarts_total{pool="web",reason="exit"} 2
            # TYPE bare counter
            bare 1
            bare{a="b"} 2
            bare_other 3
            # HELP drover_workers Workers by state.
            # TYPE drover_workers gauge
            drover_workers{pool="web",state="ready"} 2.0
            # TYPE thing untyped
            thing 1

            """
        #expect(
            OpenMetricsText.converting(text) == """
                # HELP drover_worker_restarts Workers \\"that\\" ended\\n.
                # TYPE drover_worker_restarts counter
                drover_worker_restarts_total{pool="web",reason="exit"} 2
                # TYPE bare counter
                bare_total 1
                bare_total{a="b"} 2
                bare_other 3
                # HELP drover_workers Workers by state.
                # TYPE drover_workers gauge
                drover_workers{pool="web",state="ready"} 2.0
                # TYPE thing unknown
                thing 1

                """
        )
    }

    @Test("droverd's whole exposition, rewritten, ends in # EOF and prometheus_client's OpenMetrics parser reads it")
    func droverdParses() throws {
        let openMetrics = OpenMetricsText.converting(Self.droverdExposition()) + OpenMetricsText.end
        #expect(openMetrics.hasSuffix("\n# EOF\n"))
        #expect(openMetrics.contains("# TYPE drover_worker_restarts counter\n"))
        #expect(openMetrics.contains("# TYPE process_cpu_seconds counter\n"))
        #expect(openMetrics.contains(#"drover_worker_pss_bytes{pool="web",slot="0",pid="101"} 20000000.0"#))
        let families = try PrometheusClient.parseOpenMetrics(openMetrics)
        #expect(families["drover_worker_restarts"] == "counter")
        #expect(families["drover_worker_boot_duration_seconds"] == "histogram")
        #expect(families["drover_worker_requests"] == "counter")
        #expect(families["drover_workers"] == "gauge")
        #expect(families["process_cpu_seconds"] == "counter")
    }

    @Test("The app's metrics in OpenMetrics: every type and gauge mode, byte for byte the library's, and parseable")
    func appMatchesTheLibrary() throws {
        let directory = try PrometheusClient.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let expected = try PrometheusClient.run(
            """
            for pid, scale in ((100, 1), (101, 2), (102, 3)):
                write(pid, scale)
            sys.stdout.write(openmetrics_exposition())
            """,
            in: directory
        )
        #expect(expected.contains("# TYPE app_requests counter\n"))  // the library's, as a check
        let (files, corrupt) = AppMetricsDirectory(path: directory).read()
        #expect(corrupt.isEmpty)
        let source = AppMetricsExposition.Source(pool: nil, metrics: MultiprocessCollector.merge(files))
        let droverd = AppMetricsExposition.text([source], reserved: [], format: .openMetrics).text
        #expect(droverd + OpenMetricsText.end == expected)
        // droverd's own and the app's together, as /metrics serves them.
        let whole = OpenMetricsText.converting(Self.droverdExposition()) + droverd + OpenMetricsText.end
        let families = try PrometheusClient.parseOpenMetrics(whole)
        #expect(families["app_requests"] == "counter")
        #expect(families["app_latency_seconds"] == "histogram")
        #expect(families["drover_workers"] == "gauge")
    }
}
