//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// `prometheus_client`'s `MultiProcessCollector.merge` (`multiprocess.py`), step for step, so droverd
/// serves what the app's own collector would: counters and summaries summed, histogram buckets
/// summed then accumulated in `le` order with `_count` derived from them, gauges by their mode
/// (`all` and `liveall` one sample per pid with a `pid` label; `min`, `max`, `sum`, `mostrecent`
/// and their `live` variants over every file, without it). Families and samples come in the
/// library's order, so the exposition is the library's byte for byte. Pure.
enum MultiprocessCollector {
    /// One file's name and entries.
    struct File: Sendable {
        var name: MultiprocessFileName
        var entries: [MultiprocessFile.Entry]
    }

    /// The families in `files`, in the order their first samples appear. An entry whose key is not
    /// the library's JSON list is left out.
    static func merge(_ files: [File]) -> [MultiprocessMetric] {
        var order: [String] = []
        var metrics: [String: Gathered] = [:]
        var keys: [String: Key?] = [:]
        for file in files {
            for entry in file.entries {
                let cached = keys[entry.key] ?? Key(entry.key)
                keys[entry.key] = cached
                guard let key = cached else { continue }
                if metrics[key.metric] == nil {
                    order.append(key.metric)
                    metrics[key.metric] = Gathered(type: file.name.type, help: key.help)
                }
                var labels = key.labels
                if file.name.type == "gauge" {
                    metrics[key.metric]?.mode = file.name.mode ?? "all"
                    labels.append(MultiprocessMetric.Label(name: "pid", value: file.name.owner))
                }
                metrics[key.metric]?.samples.append((key.sample, labels, entry.value, entry.timestamp))
            }
        }
        return order.compactMap { name in metrics[name].map { accumulate($0, name: name) } }
    }

    /// The library's `_accumulate_metrics` for one family.
    private static func accumulate(_ metric: Gathered, name: String) -> MultiprocessMetric {
        var groups = Groups()
        var stamps: [[MultiprocessMetric.Label]: [String: Double]] = [:]
        var buckets = Groups()
        let mode = metric.mode
        let dropsPID = metric.type == "gauge" && Self.modesWithoutPID.contains(mode)
        for (sample, original, value, timestamp) in metric.samples {
            let labels = dropsPID ? original.filter { $0.name != "pid" } : original
            let key = SampleKey(name: sample, labels: labels)
            switch metric.type {
            case "gauge":
                switch mode {
                case "min", "livemin":
                    if value < groups.setDefault(labels, key, value) { groups.set(labels, key, value) }
                case "max", "livemax":
                    if value > groups.setDefault(labels, key, value) { groups.set(labels, key, value) }
                case "sum", "livesum":
                    groups.set(labels, key, groups.value(labels, key, default: 0) + value)
                case "mostrecent", "livemostrecent":
                    // As the library: a sample never set (timestamp 0) is not shown.
                    if stamps[labels, default: [:]][sample, default: 0] < timestamp {
                        groups.set(labels, key, value)
                        stamps[labels, default: [:]][sample] = timestamp
                    }
                default:
                    groups.set(labels, key, value)
                }
            case "histogram":
                if let le = labels.first(where: { $0.name == "le" }) {
                    guard let bound = PrometheusText.parseFloat(le.value) else { continue }  // the library raises
                    let without = labels.filter { $0.name != "le" }
                    let key = SampleKey(name: "", labels: [], bound: bound)
                    buckets.set(without, key, buckets.value(without, key, default: 0) + value)
                } else {
                    groups.set(labels, key, groups.value(labels, key, default: 0) + value)
                }
            default:
                groups.set(labels, key, groups.value(labels, key, default: 0) + value)
            }
        }
        for labels in buckets.order {
            var accumulated = 0.0
            for bound in buckets.groups[labels, default: [:]].keys.sorted(by: { $0.bound < $1.bound }) {
                accumulated += buckets.value(labels, bound, default: 0)
                let le = MultiprocessMetric.Label(name: "le", value: PrometheusText.goString(bound.bound))
                groups.set(labels, SampleKey(name: name + "_bucket", labels: labels + [le]), accumulated)
            }
            groups.set(labels, SampleKey(name: name + "_count", labels: labels), accumulated)
        }
        var samples: [MultiprocessMetric.Sample] = []
        for labels in groups.order {
            for key in groups.keys[labels, default: []] {
                let value = groups.value(labels, key, default: 0)
                samples.append(MultiprocessMetric.Sample(name: key.name, labels: dictionary(key.labels), value: value))
            }
        }
        return MultiprocessMetric(name: name, help: metric.help, type: metric.type, samples: samples)
    }

    /// The gauge modes whose samples lose the `pid` label and merge across processes.
    static let modesWithoutPID: Set<String> = [
        "min", "livemin", "max", "livemax", "sum", "livesum", "mostrecent", "livemostrecent",
    ]

    /// Python's `dict(pairs)`: a name given twice keeps its first place and its last value.
    private static func dictionary(_ labels: [MultiprocessMetric.Label]) -> [MultiprocessMetric.Label] {
        var result: [MultiprocessMetric.Label] = []
        for label in labels {
            if let index = result.firstIndex(where: { $0.name == label.name }) {
                result[index].value = label.value
            } else {
                result.append(label)
            }
        }
        return result
    }

    /// A family's raw samples, as `_read_metrics` gathers them.
    private struct Gathered {
        var type: String
        var help: String
        var mode = "all"
        var samples: [(String, [MultiprocessMetric.Label], Double, Double)] = []
    }

    /// A sample's identity within its group (or a bucket's bound).
    private struct SampleKey: Hashable {
        var name: String
        var labels: [MultiprocessMetric.Label]
        var bound: Double = 0
    }

    /// The library's `defaultdict(lambda: defaultdict(float))`, keeping insertion order.
    private struct Groups {
        var order: [[MultiprocessMetric.Label]] = []
        var keys: [[MultiprocessMetric.Label]: [SampleKey]] = [:]
        var groups: [[MultiprocessMetric.Label]: [SampleKey: Double]] = [:]

        func value(_ labels: [MultiprocessMetric.Label], _ key: SampleKey, default value: Double) -> Double {
            groups[labels]?[key] ?? value
        }

        /// Python's `setdefault`: the value there, or `value`, put there.
        mutating func setDefault(_ labels: [MultiprocessMetric.Label], _ key: SampleKey, _ value: Double) -> Double {
            if let current = groups[labels]?[key] { return current }
            set(labels, key, value)
            return value
        }

        mutating func set(_ labels: [MultiprocessMetric.Label], _ key: SampleKey, _ value: Double) {
            if groups[labels] == nil {
                order.append(labels)
                groups[labels] = [:]
            }
            if groups[labels]?[key] == nil { keys[labels, default: []].append(key) }
            groups[labels]?[key] = value
        }
    }

    /// A key the library wrote: `json.dumps([metric_name, name, labels, help_text], sort_keys=True)`,
    /// its labels sorted by name as the collector sorts them.
    private struct Key {
        var metric: String
        var sample: String
        var labels: [MultiprocessMetric.Label]
        var help: String

        init?(_ text: String) {
            guard let parts = try? JSONValue(parsing: text).arrayValue, parts.count == 4,
                let metric = parts[0].stringValue, let sample = parts[1].stringValue,
                let labels = parts[2].objectValue, let help = parts[3].stringValue
            else { return nil }
            self.metric = metric
            self.sample = sample
            self.help = help
            self.labels = labels.map { MultiprocessMetric.Label(name: $0, value: $1.stringValue ?? $1.compact) }
                .sorted { $0.name.unicodeScalars.lexicographicallyPrecedes($1.name.unicodeScalars) }
        }
    }
}
