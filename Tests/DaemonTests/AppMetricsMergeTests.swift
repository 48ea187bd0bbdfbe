//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Foundation
import Testing

@testable import DroverDaemon

/// droverd's merge and fold of an app's multiprocess files, against the real `prometheus_client`'s
/// `MultiProcessCollector` and `generate_latest` over the same files.
@Suite("App metrics: the merge and the fold, as prometheus_client's collector sees them")
struct AppMetricsMergeTests {
    /// droverd's exposition of a directory, alone (no pool label, nothing reserved).
    private func droverd(_ directory: String) -> String {
        let (files, corrupt) = AppMetricsDirectory(path: directory).read()
        #expect(corrupt.isEmpty)
        let source = AppMetricsExposition.Source(pool: nil, metrics: MultiprocessCollector.merge(files))
        return AppMetricsExposition.text([source], reserved: []).text
    }

    @Test("three processes' files, every type and gauge mode: droverd's exposition is the library's, byte for byte")
    func mergeMatchesTheLibrary() throws {
        let directory = try PrometheusClient.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let expected = try PrometheusClient.run(
            """
            for pid, scale in ((100, 1), (101, 2), (102, 3)):
                write(pid, scale)
            sys.stdout.write(exposition())
            """,
            in: directory
        )
        #expect(expected.contains(#"app_gauge_all{kind="x",pid="101"} 1012.0"#))  // the library's, as a check
        #expect(expected.contains(#"app_latency_seconds_count{path="/a"} 6.0"#))
        #expect(droverd(directory) == expected)
    }

    @Test(
        "folding two dead processes: their files go, seven archives come, and the library reads the same totals as before (less the dead pids' all and live gauges)"
    )
    func foldKeepsTotals() throws {
        let directory = try PrometheusClient.directory()
        let reference = try PrometheusClient.directory()
        defer {
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: reference)
        }
        // The reference: the library's own bookkeeping for a dead process (mark_process_dead), and
        // the dead pids' `all` gauges removed, which is what droverd does with those.
        let expected = try PrometheusClient.run(
            """
            import shutil
            for pid, scale in ((100, 1), (101, 2), (102, 3)):
                write(pid, scale)
            shutil.copytree(directory, sys.argv[2], dirs_exist_ok=True)
            directory = sys.argv[2]
            for pid in (100, 101):
                mark_process_dead(pid, directory)
                os.remove(os.path.join(directory, "gauge_all_%d.db" % pid))
            sys.stdout.write(exposition())
            """,
            in: directory,
            arguments: [reference]
        )
        let folder = AppMetricsDirectory(path: directory)
        for pid: Int32 in [100, 101] {
            folder.markDead(pid)
            #expect(folder.fold(pid) == [])
        }
        let archives = [
            "counter_archive.db", "gauge_max_archive.db", "gauge_min_archive.db", "gauge_mostrecent_archive.db",
            "gauge_sum_archive.db", "histogram_archive.db", "summary_archive.db",
        ]
        let left = try PrometheusClient.files(in: directory)
        #expect(left == (archives + MultiprocessFileName.all(pid: "102").map(\.description)).sorted())
        let library = try PrometheusClient.run("sys.stdout.write(exposition())", in: directory)
        #expect(library == expected, "the library reads droverd's archives")
        #expect(droverd(directory) == expected)
        // Folding again (a pid reaped twice, or a file already gone) changes nothing.
        #expect(folder.fold(100) == [])
        #expect(droverd(directory) == expected)
    }

    @Test(
        "a corrupt file: a dead one is removed with one warning; a live one is skipped by the scrape, the rest served"
    )
    func corruptFiles() throws {
        let directory = try PrometheusClient.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try PrometheusClient.run("write(100, 1)", in: directory)
        var garbage = MultiprocessFile.encode([.init(key: #"["x","x_total",{},""]"#, value: 1, timestamp: 0)])
        garbage[8] = 0x7F  // its key's length runs past `used`
        try Data(garbage).write(to: URL(fileURLWithPath: directory + "/counter_103.db"))
        try Data(garbage).write(to: URL(fileURLWithPath: directory + "/counter_104.db"))
        let folder = AppMetricsDirectory(path: directory)
        let warnings = folder.fold(103)
        #expect(warnings.count == 1 && warnings[0].contains("counter_103.db"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/counter_103.db"))
        let (files, corrupt) = folder.read()
        #expect(corrupt.map(\.path) == [directory + "/counter_104.db"])
        #expect(files.count == 13)
    }

    @Test("two pools: each sample gets its pool; a family droverd has, or of another type elsewhere, is left out")
    func pools() {
        func counter(_ name: String, _ value: Double, labels: [MultiprocessMetric.Label] = []) -> MultiprocessMetric {
            MultiprocessMetric(
                name: name,
                help: "h",
                type: "counter",
                samples: [.init(name: name + "_total", labels: labels, value: value)]
            )
        }
        let gauge = MultiprocessMetric(name: "hits_total", help: "g", type: "gauge", samples: [])
        let (text, skipped) = AppMetricsExposition.text(
            [
                .init(pool: "web", metrics: [counter("hits", 1), counter("drover_workers", 1)]),
                .init(
                    pool: "api",
                    metrics: [counter("hits", 2, labels: [.init(name: "pool", value: "mine")]), gauge]
                ),
            ],
            reserved: ["drover_workers_total"]
        )
        #expect(
            text
                == """
                # HELP hits_total h
                # TYPE hits_total counter
                hits_total{pool="web"} 1.0
                hits_total{drover_pool="api",pool="mine"} 2.0

                """
        )
        #expect(skipped.count == 2)
        #expect(AppMetricsExposition.familyNames(in: "# HELP a x\n# TYPE a counter\na 1\n") == ["a"])
    }

    @Test(
        "a pool label once two pools have written metrics; each pool's directories merged together, or all without labels"
    )
    func grouping() {
        func files(_ value: Double) -> [MultiprocessCollector.File] {
            let entry = MultiprocessFile.Entry(key: #"["hits","hits_total",{},"h"]"#, value: value, timestamp: 0)
            return [
                MultiprocessCollector.File(name: MultiprocessFileName(type: "counter", owner: "1"), entries: [entry])
            ]
        }
        let web = AppMetricsExposition.Directory(pools: ["web"], files: files(1))
        let moved = AppMetricsExposition.Directory(pools: ["web"], files: files(3))  // after a reload
        let api = AppMetricsExposition.Directory(pools: ["api"], files: files(2))
        let idle = AppMetricsExposition.Directory(pools: ["idle"], files: [])
        #expect(!AppMetricsExposition.labelsPools([web, moved, idle]))
        #expect(AppMetricsExposition.labelsPools([web, api, idle]))
        let labelled = AppMetricsExposition.sources([web, api, moved, idle], labelled: true)
        #expect(labelled.map(\.pool) == ["web", "api"])
        #expect(labelled.map { $0.metrics.first?.samples.first?.value } == [4, 2])
        let single = AppMetricsExposition.sources([web, moved, idle], labelled: false)
        #expect(single.count == 1 && single[0].pool == nil && single[0].metrics.first?.samples.first?.value == 4)
    }

    @Test("which directory: the user's (the pool's env first, either spelling), else droverd's for a Uvicorn pool")
    func plan() {
        let uvicorn = PoolConfiguration(
            name: "web",
            kind: .uvicorn(UvicornOptions(app: "main:app")),
            workers: 1,
            binds: []
        )
        #expect(AppMetricsPlan.choice(for: uvicorn, environment: []) == .own)
        #expect(AppMetricsPlan.choice(for: uvicorn, environment: [("PROMETHEUS_MULTIPROC_DIR", "")]) == .own)
        #expect(
            AppMetricsPlan.choice(for: uvicorn, environment: [("prometheus_multiproc_dir", "/m")]) == .user("/m")
        )
        var mine = uvicorn
        mine.environment = [EnvironmentVariable("PROMETHEUS_MULTIPROC_DIR", "/pool")]
        #expect(AppMetricsPlan.choice(for: mine, environment: [("PROMETHEUS_MULTIPROC_DIR", "/d")]) == .user("/pool"))
        let command = PoolConfiguration(
            name: "sidecar",
            kind: .command(arguments: ["sleep", "9"]),
            workers: 1,
            binds: []
        )
        #expect(AppMetricsPlan.choice(for: command, environment: []) == .none)
        var options = UvicornOptions(app: "main:app")
        options.launcherArguments = ["--user", "app", "--group", "100"]
        let owner = AppMetricsPlan.workerOwner(
            of: PoolConfiguration(name: "w", kind: .uvicorn(options), workers: 1, binds: [])
        )
        #expect(owner.user == "app" && owner.group == "100")
        #expect(AppMetrics.directory(containing: "/run/drover/drover.sock") == "/run/drover")
        #expect(AppMetrics.directory(containing: "drover.sock") == nil)
    }
}
