//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A multiprocess file's name, as `prometheus_client` makes and reads it: `{type}_{pid}.db`, or
/// `gauge_{mode}_{pid}.db` for a gauge, where `type` is `counter`, `gauge`, `histogram` or
/// `summary`. droverd's archives take `archive` for the pid (`counter_archive.db`,
/// `gauge_max_archive.db`): the library's `MultiProcessCollector` reads them like any other file,
/// and for a gauge only the modes that drop the pid label are archived.
struct MultiprocessFileName: Hashable, Sendable, CustomStringConvertible {
    /// The metric types the library writes files for.
    static let types: Set<String> = ["counter", "gauge", "histogram", "summary"]
    /// Every gauge mode (`multiprocess_mode=`).
    static let gaugeModes = [
        "all", "liveall", "min", "livemin", "max", "livemax", "sum", "livesum", "mostrecent", "livemostrecent",
    ]
    /// What an archive has for a pid.
    static let archiveOwner = "archive"

    var type: String
    /// A gauge's mode; nil for the other types.
    var mode: String?
    /// The writing process's pid (any text the app's `process_identifier` gave), or `archive`.
    var owner: String

    init(type: String, mode: String? = nil, owner: String) {
        self.type = type
        self.mode = mode
        self.owner = owner
    }

    /// Parses a file name; nil for anything the library did not write (no `.db`, another type, a
    /// gauge without a known mode).
    init?(_ name: String) {
        guard name.hasSuffix(".db") else { return nil }
        let parts = name.dropLast(3).split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, Self.types.contains(String(parts[0])) else { return nil }
        type = String(parts[0])
        if type == "gauge" {
            guard parts.count == 3, Self.gaugeModes.contains(String(parts[1])) else { return nil }
            mode = String(parts[1])
            owner = String(parts[2])
        } else {
            mode = nil
            owner = String(parts.dropFirst().joined(separator: "_"))
        }
        guard !owner.isEmpty else { return nil }
    }

    /// `counter_123.db`, `gauge_livesum_123.db`.
    var description: String {
        ([type] + (mode.map { [$0] } ?? []) + [owner]).joined(separator: "_") + ".db"
    }

    /// Whether it is a live gauge's (`mark_process_dead` removes those).
    var isLive: Bool { mode?.hasPrefix("live") ?? false }

    /// Whether it is an archive of droverd's.
    var isArchive: Bool { owner == Self.archiveOwner }

    /// Whether a dead process's file of this kind is folded into an archive: counters, histograms,
    /// summaries, and the gauges whose merge drops the pid (`min`, `max`, `sum`, `mostrecent`).
    /// A dead process's `all` gauges are deleted instead, as its `live*` ones are.
    var isFolded: Bool {
        guard let mode else { return true }
        return ["min", "max", "sum", "mostrecent"].contains(mode)
    }

    /// Every name a process `pid` may have written.
    static func all(pid: String) -> [MultiprocessFileName] {
        ["counter", "histogram", "summary"].map { MultiprocessFileName(type: $0, owner: pid) }
            + gaugeModes.map { MultiprocessFileName(type: "gauge", mode: $0, owner: pid) }
    }

    /// This name with `archive` for the pid.
    var archive: MultiprocessFileName {
        MultiprocessFileName(type: type, mode: mode, owner: Self.archiveOwner)
    }
}
