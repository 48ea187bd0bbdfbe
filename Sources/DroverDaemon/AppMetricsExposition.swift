//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The app's merged multiprocess metrics as Prometheus text or OpenMetrics, after droverd's own: one block per
/// family (`# HELP`, `# TYPE`, its samples), as `generate_latest` writes it. Once more than one pool
/// has written metrics, each sample gets the pool it came from as a `pool` label (`drover_pool` if
/// the app has a `pool` label of its own); a family from two pools is one block. A family whose
/// name droverd uses, or that another pool has with another type, is left out and named. Pure.
enum AppMetricsExposition {
    /// One directory's files as read, and the pools whose workers write there.
    struct Directory: Sendable {
        var pools: [String]
        var files: [MultiprocessCollector.File]
    }

    /// Families merged from one or more directories, and the pool label their samples get (nil: none).
    struct Source: Sendable {
        var pool: String?
        var metrics: [MultiprocessMetric]
    }

    /// Whether more than one pool has written metrics (then samples get a `pool` label).
    static func labelsPools(_ directories: [Directory]) -> Bool {
        Set(directories.filter { !$0.files.isEmpty }.flatMap(\.pools)).count > 1
    }

    /// The directories' files merged by the label they get: each pool's directories (a reload
    /// that moved a pool's directory leaves it two) together, or, without labels, all of them.
    static func sources(_ directories: [Directory], labelled: Bool) -> [Source] {
        var order: [String?] = []
        var files: [String?: [MultiprocessCollector.File]] = [:]
        for directory in directories where !directory.files.isEmpty {
            let pool = labelled ? directory.pools.joined(separator: ",") : nil
            if files[pool] == nil { order.append(pool) }
            files[pool, default: []] += directory.files
        }
        return order.map { Source(pool: $0, metrics: MultiprocessCollector.merge(files[$0] ?? [])) }
    }

    /// The text in `format` (as `prometheus_client`'s `generate_latest` for it writes it; no
    /// `# EOF`: droverd's own metrics come first), and the families left out (`name: reason`).
    static func text(
        _ sources: [Source],
        reserved: Set<String>,
        format: ExpositionFormat = .text
    ) -> (text: String, skipped: [String]) {
        var order: [String] = []
        var families: [String: MultiprocessMetric] = [:]
        var skipped: [String] = []
        for source in sources {
            for metric in source.metrics {
                let name = metric.familyName
                if reserved.contains(PrometheusText.metricName(name)) {
                    skipped.append("\(name): droverd's own metric has that name")
                    continue
                }
                var samples = metric.samples
                if let pool = source.pool {
                    for index in samples.indices {
                        let label = samples[index].labels.contains { $0.name == "pool" } ? "drover_pool" : "pool"
                        samples[index].labels.append(MultiprocessMetric.Label(name: label, value: pool))
                    }
                }
                if let existing = families[name] {
                    guard existing.type == metric.type else {
                        skipped.append(
                            "\(name): a \(metric.type) in pool \(source.pool ?? "-"), a \(existing.type) before"
                        )
                        continue
                    }
                    families[name]?.samples += samples
                } else {
                    order.append(name)
                    families[name] = MultiprocessMetric(
                        name: metric.name,
                        help: metric.help,
                        type: metric.type,
                        samples: samples
                    )
                }
            }
        }
        var text = ""
        for name in order {
            guard let metric = families[name] else { continue }
            switch format {
            case .text:
                let shown = PrometheusText.metricName(name)
                text += "# HELP \(shown) \(PrometheusText.help(metric.help))\n# TYPE \(shown) \(metric.type)\n"
            case .openMetrics:
                // The family's own name (a counter's without `_total`); help escaped as a label value.
                let shown = PrometheusText.metricName(metric.name)
                text += "# HELP \(shown) \(PrometheusText.labelValue(metric.help))\n# TYPE \(shown) \(metric.type)\n"
            }
            for sample in metric.samples {
                text += PrometheusText.sampleLine(
                    name: sample.name,
                    labels: sample.labels,
                    value: sample.value,
                    format: format
                )
            }
        }
        return (text, skipped)
    }

    /// The family names in an exposition (its `# TYPE` lines): droverd's own, which the app's must not reuse.
    static func familyNames(in exposition: String) -> Set<String> {
        var names: Set<String> = []
        for line in exposition.split(separator: "\n") where line.hasPrefix("# TYPE ") {
            if let name = line.split(separator: " ").dropFirst(2).first { names.insert(String(name)) }
        }
        return names
    }
}
