//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

/// What /proc says about a process.
enum ProcessStats {
    /// Open file descriptors.
    /// Context switches of every thread of a process so far.
    static func contextSwitches(_ pid: Int32) -> Int {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.reduce(0) { total, task in
            let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/status", encoding: .utf8)) ?? ""
            return total
                + text.split(separator: "\n").filter { $0.contains("ctxt_switches") }.reduce(0) {
                    $0 + (Int($1.split(separator: "\t").last ?? "") ?? 0)
                }
        }
    }

    /// The state letter of `/proc/PID/stat` (`R`, `S`, `T` for stopped, …).
    static func state(_ pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ").first.map(String.init)
    }

    static func fdCount(_ pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.count ?? -1
    }

    /// Resident memory in bytes.
    static func rss(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
    }

    /// Anonymous resident memory in bytes (`RssAnon`: heap and stacks, what a leak grows; not the
    /// code droverd pages out once the pools are up and pages back in as it runs).
    static func anonymousRSS(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("RssAnon:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
    }

    /// Unique memory in bytes (USS: `Private_Clean` + `Private_Dirty` of smaps_rollup), what droverd's
    /// `max_worker_memory` samples; 0 when the process is gone.
    static func uss(_ pid: Int32) -> Int {
        let rollup = (try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8)) ?? ""
        return rollup.split(separator: "\n").reduce(0) { total, line in
            guard line.hasPrefix("Private_Clean:") || line.hasPrefix("Private_Dirty:") else { return total }
            return total + (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
        }
    }

    /// CPU time used (user + system), in seconds.
    static func cpuSeconds(_ pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        let ticks = (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
        return ticks / 100
    }

    /// Children of `parent` that are zombies (exited, not reaped).
    static func zombies(of parent: Int32) -> [Int32] {
        childPIDs(of: parent) { $0 == "Z" }
    }
}

/// How much longer the reliability tests run: 1 in the normal suite, more for
/// `scripts/test-reliability --long` (DROVER_RELIABILITY_SCALE).
let reliabilityScale: Double = Double(ProcessInfo.processInfo.environment["DROVER_RELIABILITY_SCALE"] ?? "") ?? 1
