//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import Prometheus

/// droverd's own metrics, served by the ops listener's `GET /metrics` in Prometheus's text format
/// (swift-prometheus's; ``OpenMetricsText`` rewrites it when the scraper asks for OpenMetrics).
///
/// Counters and the boot-time histogram live in a registry for droverd's whole life and move only
/// when droverd reports a notice (``record(_:)``, through the pure ``NoticeMetrics``). Everything
/// that is a level (workers by state, memory, ages, droverd's own process) is computed when a
/// scrape asks, from the core's status snapshot and /proc, into a registry made for that scrape:
/// no timer collects anything, so an idle droverd stays idle, and a worker that is gone leaves no
/// stale series behind.
struct DaemonMetrics {
    /// The boot-time histogram's buckets, in seconds (a Uvicorn app boots in 0.3 s to a minute).
    static let bootBuckets: [Duration] = [
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
        .seconds(10), .seconds(30), .seconds(60), .seconds(120),
    ]

    private let registry = PrometheusCollectorRegistry()
    private var mapping = NoticeMetrics()

    init() {}

    /// Counts what a notice tells (the one call in `Daemon.report(_:)`).
    mutating func record(_ notice: Notice) {
        for update in mapping.updates(for: notice) {
            switch update {
            case .restart(let pool, let reason):
                restarts(pool: pool, reason: reason).increment()
            case .rolloutStarted(let pool):
                registry.makeCounter(descriptor: Names.rolloutsStarted, labels: [("pool", pool)]).increment()
            case .rolloutSucceeded(let pool):
                registry.makeCounter(descriptor: Names.rolloutsSucceeded, labels: [("pool", pool)]).increment()
            case .rolloutRolledBack(let pool):
                registry.makeCounter(descriptor: Names.rolloutsRolledBack, labels: [("pool", pool)]).increment()
            case .workerBooted(let pool, let bootTime):
                bootTimes(pool: pool).record(bootTime)
            }
        }
    }

    /// The whole exposition: the counters so far (every pool's at 0 until it moves, so `rate()`
    /// and `increase()` see the first one), and the levels of `status` and `process` now, with
    /// each worker's PSS from `proportional` (by pid; read off the loop).
    func exposition(
        status: StatusSnapshot,
        process: ProcessSample?,
        proportional: [Int32: UInt64] = [:],
        loads: [Int32: WorkerLoad] = [:],
        queues: [(listener: String, queued: UInt32, limit: UInt32)] = []
    ) -> String {
        for pool in status.pools {
            for reason in RestartReason.allCases { _ = restarts(pool: pool.name, reason: reason) }
            for name in [Names.rolloutsStarted, Names.rolloutsSucceeded, Names.rolloutsRolledBack] {
                _ = registry.makeCounter(descriptor: name, labels: [("pool", pool.name)])
            }
            _ = bootTimes(pool: pool.name)
        }
        let levels = PrometheusCollectorRegistry()
        Self.addLevels(of: status, proportional: proportional, to: levels)
        Self.addLoads(loads, of: status, to: levels)
        for queue in queues {
            levels.makeGauge(descriptor: Names.acceptQueue, labels: [("listener", queue.listener)])
                .set(to: Double(queue.queued))
            levels.makeGauge(descriptor: Names.acceptQueueLimit, labels: [("listener", queue.listener)])
                .set(to: Double(queue.limit))
        }
        if let process { Self.addProcess(process, to: levels) }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(8192)
        registry.emit(into: &buffer)
        levels.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    private func restarts(pool: String, reason: RestartReason) -> Counter {
        registry.makeCounter(descriptor: Names.restarts, labels: [("pool", pool), ("reason", reason.rawValue)])
    }

    private func bootTimes(pool: String) -> DurationHistogram {
        registry.makeDurationHistogram(descriptor: Names.bootTime, labels: [("pool", pool)], buckets: Self.bootBuckets)
    }

    /// Workers by state, desired workers, and each live worker's memory (RSS, and PSS when
    /// `proportional` has it) and age.
    static func addLevels(
        of status: StatusSnapshot,
        proportional: [Int32: UInt64] = [:],
        to registry: PrometheusCollectorRegistry
    ) {
        for pool in status.pools {
            var states = Dictionary(uniqueKeysWithValues: WorkerStatus.State.known.map { ($0.rawValue, 0) })
            for worker in pool.workers { states[worker.state.rawValue, default: 0] += 1 }
            for (state, count) in states {
                registry.makeGauge(descriptor: Names.workers, labels: [("pool", pool.name), ("state", state)])
                    .set(to: Double(count))
            }
            registry.makeGauge(descriptor: Names.desired, labels: [("pool", pool.name)]).set(to: Double(pool.desired))
            for worker in pool.workers {
                guard let pid = worker.pid else { continue }
                let labels = [("pool", pool.name), ("slot", String(worker.slot)), ("pid", String(pid))]
                registry.makeGauge(descriptor: Names.workerAge, labels: labels).set(to: worker.ageSeconds)
                if let rss = worker.rssBytes {
                    registry.makeGauge(descriptor: Names.workerMemory, labels: labels).set(to: Double(rss))
                }
                if let pss = proportional[pid] {
                    registry.makeGauge(descriptor: Names.workerPSS, labels: labels).set(to: Double(pss))
                }
            }
        }
    }

    /// droverd's own process, under the names every Prometheus client library uses.
    /// Per worker (with a heartbeat page): requests served and in flight, the heartbeat's age; per
    /// pool: busy workers (one request in flight at least), for autoscalers.
    static func addLoads(
        _ loads: [Int32: WorkerLoad],
        of status: StatusSnapshot,
        to registry: PrometheusCollectorRegistry
    ) {
        for pool in status.pools {
            var busy = 0
            var measured = false
            for worker in pool.workers {
                guard let pid = worker.pid, let load = loads[pid] else { continue }
                measured = true
                let labels = [("pool", pool.name), ("slot", String(worker.slot)), ("pid", String(pid))]
                registry.makeCounter(descriptor: Names.workerRequests, labels: labels).increment(by: Int64(load.served))
                registry.makeGauge(descriptor: Names.workerInFlight, labels: labels).set(to: Double(load.inFlight))
                if let age = load.heartbeatAge {
                    registry.makeGauge(descriptor: Names.heartbeatAge, labels: labels).set(to: age)
                }
                if load.inFlight > 0 { busy += 1 }
            }
            if measured {
                registry.makeGauge(descriptor: Names.busyWorkers, labels: [("pool", pool.name)]).set(to: Double(busy))
            }
        }
    }

    static func addProcess(_ process: ProcessSample, to registry: PrometheusCollectorRegistry) {
        registry.makeCounter(descriptor: Names.processCPU).increment(by: process.cpuSeconds)
        registry.makeGauge(descriptor: Names.processMemory).set(to: Double(process.residentBytes))
        registry.makeGauge(descriptor: Names.processVirtual).set(to: Double(process.virtualBytes))
        registry.makeGauge(descriptor: Names.processStart).set(to: process.startTimeSeconds)
        if let open = process.openFDs { registry.makeGauge(descriptor: Names.processFDs).set(to: Double(open)) }
        if let limit = process.maxFDs { registry.makeGauge(descriptor: Names.processMaxFDs).set(to: Double(limit)) }
    }

    /// Every metric's name and help, in one place (the registry refuses two helps for one name).
    enum Names {
        static var restarts: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "drover",
                metricName: "worker_restarts",
                unitName: "total",
                helpText: "Workers that ended, by reason (a scaled-down worker is not replaced)."
            )
        }
        static var rolloutsStarted: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "drover",
                metricName: "rollouts_started",
                unitName: "total",
                helpText: "Rollouts of a new worker generation (reload, restart) that started."
            )
        }
        static var rolloutsSucceeded: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "drover",
                metricName: "rollouts_succeeded",
                unitName: "total",
                helpText: "Rollouts that finished with every slot serving the new generation."
            )
        }
        static var rolloutsRolledBack: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "drover",
                metricName: "rollouts_rolled_back",
                unitName: "total",
                helpText: "Rollouts that failed (a new worker failed to boot) and were rolled back."
            )
        }
        static var bootTime: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "drover",
                metricName: "worker_boot_duration",
                unitName: "seconds",
                helpText: "Time from spawning a worker to its being ready."
            )
        }
        static var workers: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "drover",
                metricName: "workers",
                unitName: "",
                helpText: "Workers by state; backoff counts slots waiting to respawn."
            )
        }
        static var desired: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "drover",
                metricName: "workers_desired",
                unitName: "",
                helpText: "The number of workers the pool should have."
            )
        }
        static var workerMemory: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "drover",
                metricName: "worker_resident_memory",
                unitName: "bytes",
                helpText: "A live worker's resident memory (RSS, from /proc/PID/statm)."
            )
        }
        static var workerPSS: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "drover",
                metricName: "worker_pss",
                unitName: "bytes",
                helpText:
                    "A live worker's proportional set size (PSS, from /proc/PID/smaps_rollup): its own pages and its share of shared ones."
            )
        }
        static var acceptQueue: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "drover",
                metricName: "listen_queue",
                unitName: "",
                helpText: "Connections a TCP listener holds that no worker has accepted yet."
            )
        }
        static var acceptQueueLimit: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "drover",
                metricName: "listen_queue_limit",
                unitName: "",
                helpText: "The most connections a TCP listener queues (its backlog, capped by somaxconn)."
            )
        }
        static var workerRequests: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "drover",
                metricName: "worker_requests",
                unitName: "total",
                helpText: "Requests a live worker has served (Uvicorn's count, from its heartbeat page)."
            )
        }
        static var workerInFlight: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "drover",
                metricName: "worker_requests_in_flight",
                unitName: "",
                helpText: "Requests a live worker is answering (at its last heartbeat, at most 0.1 s old)."
            )
        }
        static var heartbeatAge: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "drover",
                metricName: "worker_heartbeat_age",
                unitName: "seconds",
                helpText: "Seconds since a live worker's last heartbeat stamp (its event loop's lag)."
            )
        }
        static var busyWorkers: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "drover",
                metricName: "busy_workers",
                unitName: "",
                helpText: "Live workers answering at least one request (at their last heartbeat)."
            )
        }
        static var workerAge: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "drover",
                metricName: "worker_age",
                unitName: "seconds",
                helpText: "Seconds since a live worker was spawned."
            )
        }
        static var processCPU: MetricNameDescriptor {
            MetricNameDescriptor(
                metricName: "process_cpu",
                unitName: "seconds_total",
                helpText: "Total user and system CPU time droverd spent, in seconds."
            )
        }
        static var processMemory: MetricNameDescriptor {
            MetricNameDescriptor(
                metricName: "process_resident_memory",
                unitName: "bytes",
                helpText: "droverd's resident memory size in bytes."
            )
        }
        static var processVirtual: MetricNameDescriptor {
            MetricNameDescriptor(
                metricName: "process_virtual_memory",
                unitName: "bytes",
                helpText: "droverd's virtual memory size in bytes."
            )
        }
        static var processStart: MetricNameDescriptor {
            MetricNameDescriptor(
                metricName: "process_start_time",
                unitName: "seconds",
                helpText: "When droverd started, in seconds since the Unix epoch."
            )
        }
        static var processFDs: MetricNameDescriptor {
            MetricNameDescriptor(
                metricName: "process_open_fds",
                unitName: "",
                helpText: "Number of droverd's open file descriptors."
            )
        }
        static var processMaxFDs: MetricNameDescriptor {
            MetricNameDescriptor(
                metricName: "process_max_fds",
                unitName: "",
                helpText: "droverd's limit on open file descriptors."
            )
        }
    }
}
