//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Folds a dead process's multiprocess file into its kind's archive, so that
/// ``MultiprocessCollector`` (and the library's own) merges the archive alone to what it merged
/// from the archive and the dead file: per key, counters, histograms, summaries and `sum` gauges
/// add up, `max` and `min` gauges keep the larger or smaller value, `mostrecent` gauges the later
/// timestamp. Keys stay as the library wrote them (a help text changed between deploys is one more
/// key, merged by name at read time as before). Pure.
enum MultiprocessFold {
    /// The archive after `dead` (a dead process's entries of file kind `name`) is folded into `archive`.
    static func fold(
        _ dead: [MultiprocessFile.Entry],
        into archive: [MultiprocessFile.Entry],
        kind name: MultiprocessFileName
    ) -> [MultiprocessFile.Entry] {
        var result = archive
        var index: [String: Int] = [:]
        for (position, entry) in result.enumerated() where index[entry.key] == nil { index[entry.key] = position }
        for entry in dead {
            guard let position = index[entry.key] else {
                index[entry.key] = result.count
                result.append(entry)
                continue
            }
            let kept = result[position]
            switch name.mode {
            case "max": if entry.value > kept.value { result[position] = entry }
            case "min": if entry.value < kept.value { result[position] = entry }
            case "mostrecent": if entry.timestamp > kept.timestamp { result[position] = entry }
            default:
                result[position].value += entry.value
                result[position].timestamp = max(kept.timestamp, entry.timestamp)
            }
        }
        return result
    }
}
