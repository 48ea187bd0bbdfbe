//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Glibc

/// Events, status and results as people read them.
enum EventText {
    /// `11:48:46 worker_ready web[2] pid 5698 gen 1 boot_s=0.304`.
    static func describe(_ event: ControlEvent) -> String {
        var parts = [clock(event.time), event.kind.name]
        let subject = event.subject
        if let pool = subject.pool { parts.append(subject.slot.map { "\(pool)[\($0)]" } ?? pool) }
        if let pid = subject.pid { parts.append("pid \(pid)") }
        if let generation = subject.generation { parts.append("gen \(generation)") }
        for (key, value) in event.details { parts.append("\(key)=\(text(value))") }
        return parts.joined(separator: " ")
    }

    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let string): string
        case .null: "-"
        default: value.compact
        }
    }

    private static func clock(_ seconds: Double?) -> String {
        guard let seconds else { return "--:--:--" }
        var time = time_t(seconds)
        var parts = tm()
        localtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }

    /// `status` as a table.
    static func statusTable(_ status: StatusSnapshot) -> String {
        var rows = [["POOL", "STATE", "READY", "GEN"]]
        var details: [String] = []
        for pool in status.pools {
            var generation = String(pool.generation)
            if let next = pool.rollingOutTo { generation += "→\(next)" }
            var state = pool.state.rawValue
            if !pool.serving, pool.state != .starting { state += ", not serving" }
            rows.append([pool.name, state, "\(pool.ready)/\(pool.desired)", generation])
            var workerRows = [["  SLOT", "PID", "GEN", "STATE", "AGE", "RESTARTS", "RSS", "LAST EXIT"]]
            for worker in pool.workers {
                var state = worker.state.rawValue
                if let retry = worker.retryInSeconds { state += " (\(format(retry))s)" }
                workerRows.append([
                    "  \(worker.slot)", worker.pid.map(String.init) ?? "-", String(worker.generation), state,
                    duration(worker.ageSeconds), String(worker.restarts), memory(worker.rssBytes),
                    worker.lastExit ?? "-",
                ])
                for line in worker.stderrTail { workerRows.append(["  |", line]) }
            }
            var detail = table(workerRows)
            for template in pool.templates {
                detail += "\n  template: gen \(template.generation) pid \(template.pid) \(template.state.rawValue)"
                if template.preload { detail += " (app preloaded)" }
            }
            details.append(detail)
        }
        var output = table(rows)
        if let left = status.stoppingInSeconds {
            output = "shutdown delay: not ready; the workers stop in \(Duration.shortText(seconds: left))\n" + output
        }
        for (index, detail) in details.enumerated() {
            output += "\n\n" + (rows[index + 1].first ?? "") + ":\n" + detail
        }
        return output
    }

    static func table(_ rows: [[String]]) -> String {
        let counts = rows.map { $0.map(\.count) }
        var widths: [Int] = []
        for (row, cells) in zip(rows, counts) where row.count > 2 {
            for (index, count) in cells.enumerated() {
                if index >= widths.count { widths.append(0) }
                widths[index] = max(widths[index], count)
            }
        }
        // One string, appended to: a status of 1000 workers is 8000 cells.
        var output = ""
        output.reserveCapacity(rows.count * (widths.reduce(0, +) + 2 * widths.count))
        for (number, (row, cells)) in zip(rows, counts).enumerated() {
            if number > 0 { output += "\n" }
            guard row.count > 2 else {
                output += row.joined(separator: " ")
                continue
            }
            for (index, cell) in row.enumerated() {
                output += cell
                guard index < row.count - 1 else { break }
                output += String(repeating: " ", count: widths[index] - cells[index] + 2)
            }
        }
        return output
    }

    private static func format(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    private static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds)
        if whole < 120 { return "\(format(seconds))s" }
        if whole < 7200 { return "\(whole / 60)m" }
        return "\(whole / 3600)h"
    }

    private static func memory(_ bytes: UInt64?) -> String {
        guard let bytes else { return "-" }
        let mebibytes = Double(bytes) / 1_048_576
        return "\(format(mebibytes))M"
    }
}
