//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// What droverd reads of a process's `/proc/PID/smaps_rollup`, in bytes: its unique memory (USS,
/// `Private_Clean` + `Private_Dirty`: what stopping it frees; `max_worker_memory` and memory
/// pressure judge by it) and its proportional set size (PSS, `Pss`: its private pages plus its
/// share of each page it shares with the template and the other workers; `/metrics` shows it).
/// The kernel walks the process's page tables to answer, so a read costs more than `statm`'s.
struct SmapsRollup: Equatable, Sendable {
    /// USS, in bytes (nil if the text has neither `Private_` line).
    var unique: UInt64?
    /// PSS, in bytes (nil if the text has no `Pss:` line).
    var proportional: UInt64?

    /// The figures given.
    init(unique: UInt64?, proportional: UInt64?) {
        self.unique = unique
        self.proportional = proportional
    }

    /// The figures in the file's text (lines such as `Pss:     12345 kB`).
    init(parsing text: String) {
        var privateKilobytes: UInt64?
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kilobytes = UInt64(fields[1]) else { continue }
            switch fields[0] {
            case "Private_Clean:", "Private_Dirty:": privateKilobytes = (privateKilobytes ?? 0) + kilobytes
            case "Pss:": proportional = kilobytes * 1024
            default: continue
            }
        }
        unique = privateKilobytes.map { $0 * 1024 }
    }

    /// `pid`'s figures now (nil when the process is gone or the file is unreadable or empty).
    static func read(pid: Int32) -> SmapsRollup? {
        guard let text = readTextFile("/proc/\(pid)/smaps_rollup"), !text.isEmpty else { return nil }
        return SmapsRollup(parsing: text)
    }
}
