//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// One metric family of an app's multiprocess files, merged (``MultiprocessCollector``): what
/// `prometheus_client`'s `Metric` holds after its `MultiProcessCollector` collected it.
struct MultiprocessMetric: Equatable, Sendable {
    /// One sample: its name (`requests_total`, `latency_bucket`), labels and value.
    struct Sample: Equatable, Sendable {
        var name: String
        /// Name and value pairs, each name once, in the order the library's `dict` keeps them.
        var labels: [Label]
        var value: Double
    }

    /// A label: a name and its value.
    struct Label: Hashable, Sendable {
        var name: String
        var value: String
    }

    /// The metric's name as the app gave it (a counter's without `_total`).
    var name: String
    var help: String
    /// `counter`, `gauge`, `histogram` or `summary`.
    var type: String
    var samples: [Sample]

    /// The name its `# HELP` and `# TYPE` lines carry: a counter's with `_total`, as the library writes it.
    var familyName: String { type == "counter" ? name + "_total" : name }
}
