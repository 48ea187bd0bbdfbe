//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Testing

@testable import DroverCore
@testable import DroverDaemon

/// An exposition read back: each sample by its series (`name{labels}` as written), and the
/// `# TYPE` and `# HELP` lines by metric name.
struct Exposition {
    var samples: [String: Double] = [:]
    var types: [String: String] = [:]
    var helps: [String: String] = [:]
    var problems: [String] = []

    init(_ text: String) {
        #expect(text.hasSuffix("\n"))
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            if line.hasPrefix("# TYPE ") || line.hasPrefix("# HELP ") {
                let parts = line.split(separator: " ", maxSplits: 3)
                guard parts.count == 4 else {
                    problems.append("bad comment: \(line)")
                    continue
                }
                let name = String(parts[2])
                if line.hasPrefix("# TYPE ") {
                    if types.updateValue(String(parts[3]), forKey: name) != nil {
                        problems.append("two TYPEs: \(name)")
                    }
                } else if helps.updateValue(String(parts[3]), forKey: name) != nil {
                    problems.append("two HELPs: \(name)")
                }
                continue
            }
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                problems.append("bad sample: \(line)")
                continue
            }
            let series = String(line[..<space])
            if samples.updateValue(value, forKey: series) != nil { problems.append("two samples: \(series)") }
        }
    }

    /// The samples of metric `name` (its `_bucket`, `_sum`, `_count` ones for a histogram).
    func series(of name: String) -> [String: Double] {
        samples.filter { $0.key == name || $0.key.hasPrefix(name + "{") }
    }
}

@Suite struct DaemonMetricsTests {
    static func status(_ workers: [WorkerStatus], desired: Int = 2, pool: String = "web") -> StatusSnapshot {
        StatusSnapshot(pools: [
            PoolStatus(
                name: pool,
                state: .running,
                desired: desired,
                running: workers.count,
                ready: workers.filter { $0.state == .ready }.count,
                generation: 1,
                rollingOutTo: nil,
                workers: workers
            )
        ])
    }

    static let twoWorkers = status([
        WorkerStatus(
            pid: 101,
            slot: 0,
            generation: 1,
            state: .ready,
            ageSeconds: 12.5,
            restarts: 0,
            lastExit: nil,
            rssBytes: 50_000_000
        ),
        WorkerStatus(pid: 102, slot: 1, generation: 1, state: .starting, ageSeconds: 0.25, restarts: 1, lastExit: nil),
        WorkerStatus(
            pid: nil,
            slot: 2,
            generation: 1,
            state: .backoff,
            ageSeconds: 0,
            restarts: 3,
            lastExit: "exit 1",
            retryInSeconds: 0.4
        ),
    ])

    @Test("Workers by state (every state, zeros too), desired workers, each live worker's memory and age")
    func levels() {
        let metrics = DaemonMetrics()
        let exposition = Exposition(metrics.exposition(status: Self.twoWorkers, process: nil))
        #expect(exposition.problems.isEmpty)
        #expect(
            exposition.series(of: "drover_workers") == [
                #"drover_workers{pool="web",state="ready"}"#: 1,
                #"drover_workers{pool="web",state="starting"}"#: 1,
                #"drover_workers{pool="web",state="stopping"}"#: 0,
                #"drover_workers{pool="web",state="backoff"}"#: 1,
            ]
        )
        #expect(exposition.series(of: "drover_workers_desired") == [#"drover_workers_desired{pool="web"}"#: 2])
        #expect(
            exposition.series(of: "drover_worker_resident_memory_bytes") == [
                #"drover_worker_resident_memory_bytes{pool="web",slot="0",pid="101"}"#: 50_000_000
            ]
        )
        #expect(
            exposition.series(of: "drover_worker_age_seconds") == [
                #"drover_worker_age_seconds{pool="web",slot="0",pid="101"}"#: 12.5,
                #"drover_worker_age_seconds{pool="web",slot="1",pid="102"}"#: 0.25,
            ]
        )
        #expect(exposition.types["drover_workers"] == "gauge")
        #expect(exposition.types["drover_worker_age_seconds"] == "gauge")
        // No process sample, no process_* lines.
        #expect(!exposition.samples.keys.contains { $0.hasPrefix("process_") })
    }

    @Test("Each live worker's PSS next to its RSS, with the same labels, when the scrape read it")
    func proportionalMemory() {
        let metrics = DaemonMetrics()
        let exposition = Exposition(
            metrics.exposition(status: Self.twoWorkers, process: nil, proportional: [101: 20_000_000, 999: 1])
        )
        #expect(exposition.problems.isEmpty)
        #expect(
            exposition.series(of: "drover_worker_pss_bytes") == [
                #"drover_worker_pss_bytes{pool="web",slot="0",pid="101"}"#: 20_000_000
            ]
        )
        #expect(exposition.types["drover_worker_pss_bytes"] == "gauge")
    }

    @Test("Counters start at 0 for every pool and reason, and move only with notices")
    func counters() {
        var metrics = DaemonMetrics()
        let before = Exposition(metrics.exposition(status: Self.twoWorkers, process: nil))
        #expect(before.series(of: "drover_worker_restarts_total").count == RestartReason.allCases.count)
        #expect(before.series(of: "drover_worker_restarts_total").values.allSatisfy { $0 == 0 })
        #expect(before.samples[#"drover_rollouts_started_total{pool="web"}"#] == 0)
        #expect(before.types["drover_worker_restarts_total"] == "counter")
        #expect(before.helps["drover_worker_restarts_total"] != nil)

        let kill = Notice.workerExited(worker(1), .signaled(.kill, coreDumped: false), failed: true)
        metrics.record(kill)
        metrics.record(kill)
        metrics.record(.workerTimedOut(worker(2), .heartbeatTimeout, after: .seconds(30)))
        metrics.record(.workerExited(worker(2), .signaled(.abort, coreDumped: false), failed: true))
        metrics.record(.rolloutStarted(pool: "web", from: 1, to: 2))
        metrics.record(.rolloutFailed(pool: "web", generation: 2, reason: "x"))
        let after = Exposition(metrics.exposition(status: Self.twoWorkers, process: nil))
        #expect(after.problems.isEmpty)
        #expect(after.samples[#"drover_worker_restarts_total{pool="web",reason="signal"}"#] == 2)
        #expect(after.samples[#"drover_worker_restarts_total{pool="web",reason="heartbeat_timeout"}"#] == 1)
        #expect(after.samples[#"drover_worker_restarts_total{pool="web",reason="exit"}"#] == 0)
        #expect(after.samples[#"drover_rollouts_started_total{pool="web"}"#] == 1)
        #expect(after.samples[#"drover_rollouts_rolled_back_total{pool="web"}"#] == 1)
        #expect(after.samples[#"drover_rollouts_succeeded_total{pool="web"}"#] == 0)
    }

    @Test("Boot times fill a histogram in seconds")
    func bootHistogram() {
        var metrics = DaemonMetrics()
        metrics.record(.workerReady(worker(1), bootTime: .milliseconds(300)))
        metrics.record(.workerReady(worker(2), bootTime: .seconds(4)))
        let exposition = Exposition(metrics.exposition(status: Self.twoWorkers, process: nil))
        let name = "drover_worker_boot_duration_seconds"
        #expect(exposition.types[name] == "histogram")
        #expect(exposition.samples[name + #"_bucket{pool="web",le="0.25"}"#] == 0)
        #expect(exposition.samples[name + #"_bucket{pool="web",le="0.5"}"#] == 1)
        #expect(exposition.samples[name + #"_bucket{pool="web",le="5.0"}"#] == 2)
        #expect(exposition.samples[name + #"_bucket{pool="web",le="+Inf"}"#] == 2)
        #expect(exposition.samples[name + #"_count{pool="web"}"#] == 2)
        #expect(exposition.samples[name + #"_sum{pool="web"}"#] == 4.3)
    }

    @Test("A worker that is gone leaves no series behind; counters of a pool stay")
    func goneWorkers() {
        let metrics = DaemonMetrics()
        _ = metrics.exposition(status: Self.twoWorkers, process: nil)
        let empty = Exposition(metrics.exposition(status: Self.status([], desired: 0), process: nil))
        #expect(exposition(empty, has: "drover_worker_age_seconds") == false)
        #expect(empty.samples[#"drover_workers{pool="web",state="ready"}"#] == 0)
        #expect(empty.series(of: "drover_worker_restarts_total").count == RestartReason.allCases.count)
    }

    func exposition(_ exposition: Exposition, has name: String) -> Bool {
        !exposition.series(of: name).isEmpty
    }

    @Test("droverd's own process_* metrics, as client libraries name them")
    func processMetrics() throws {
        let sample = ProcessSample(
            cpuSeconds: 3,
            residentBytes: 1_228_800,
            virtualBytes: 123_456_789,
            startTimeSeconds: 1_700_000_010,
            openFDs: 17,
            maxFDs: 1024
        )
        let exposition = Exposition(DaemonMetrics().exposition(status: StatusSnapshot(pools: []), process: sample))
        #expect(exposition.problems.isEmpty)
        #expect(exposition.samples["process_cpu_seconds_total"] == 3)
        #expect(exposition.types["process_cpu_seconds_total"] == "counter")
        #expect(exposition.samples["process_resident_memory_bytes"] == 1_228_800)
        #expect(exposition.samples["process_virtual_memory_bytes"] == 123_456_789)
        #expect(exposition.samples["process_start_time_seconds"] == 1_700_000_010)
        #expect(exposition.samples["process_open_fds"] == 17)
        #expect(exposition.samples["process_max_fds"] == 1024)

        // This test process, read from /proc.
        let current = try #require(ProcessSample.current())
        #expect(current.residentBytes > 0)
        #expect((current.openFDs ?? 0) >= 3)
        #expect(current.startTimeSeconds > 1_600_000_000)
    }

    @Test("A /proc/PID/stat line: fields count from the last parenthesis of the command name")
    func parseStat() throws {
        // Fields 3…24: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
        // utime stime cutime cstime priority nice threads itrealvalue starttime vsize rss.
        let stat =
            "4242 (drover d) x) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 50 0 0 20 0 3 0 1000 123456789 300 "
            + "18446744073709551615\n"
        let sample = try #require(
            ProcessSample.parse(stat: stat, bootTime: 1_700_000_000, ticksPerSecond: 100, pageSize: 4096)
        )
        #expect(sample.cpuSeconds == 3)
        #expect(sample.startTimeSeconds == 1_700_000_010)
        #expect(sample.virtualBytes == 123_456_789)
        #expect(sample.residentBytes == 300 * 4096)
        #expect(ProcessSample.parse(stat: "4242 (x) S 1 2", bootTime: 0, ticksPerSecond: 100, pageSize: 4096) == nil)
        #expect(ProcessSample.bootTime(fromStat: "cpu 1 2 3\nintr 5\nbtime 1700000000\nprocesses 9\n") == 1_700_000_000)
        #expect(ProcessSample.bootTime(fromStat: "cpu 1 2 3\n") == nil)
    }
}
