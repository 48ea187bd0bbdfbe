//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Glibc

/// Events, status and results as people read them.
enum EventText {
    /// `11:48:46 worker_ready web[2] pid 5698 gen 1 boot_s=0.304`.
    static func describe(_ event: JSONValue) -> String {
        var parts = [clock(event["time"]?.doubleValue), event["event"]?.stringValue ?? "?"]
        if let pool = event["pool"]?.stringValue {
            parts.append(event["slot"]?.intValue.map { "\(pool)[\($0)]" } ?? pool)
        }
        if let pid = event["pid"]?.intValue { parts.append("pid \(pid)") }
        if let generation = event["generation"]?.intValue { parts.append("gen \(generation)") }
        for (key, value) in event.objectValue ?? []
        where !["time", "event", "pool", "slot", "pid", "generation"].contains(key) {
            parts.append("\(key)=\(text(value))")
        }
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
    static func statusTable(_ status: JSONValue) -> String {
        var rows = [["POOL", "STATE", "READY", "GEN"]]
        var details: [String] = []
        for pool in status["pools"]?.arrayValue ?? [] {
            let name = pool["name"]?.stringValue ?? "?"
            var generation = String(pool["generation"]?.intValue ?? 0)
            if let next = pool["rolling_out_to"]?.intValue { generation += "→\(next)" }
            var state = pool["state"]?.stringValue ?? "?"
            if pool["serving"]?.boolValue == false, state != "starting" { state += ", not serving" }
            rows.append([
                name, state,
                "\(pool["ready"]?.intValue ?? 0)/\(pool["desired"]?.intValue ?? 0)", generation,
            ])
            var workerRows = [["  SLOT", "PID", "GEN", "STATE", "AGE", "RESTARTS", "RSS", "LAST EXIT"]]
            for worker in pool["workers"]?.arrayValue ?? [] {
                var state = worker["state"]?.stringValue ?? "?"
                if let retry = worker["retry_in_s"]?.doubleValue { state += " (\(format(retry))s)" }
                workerRows.append([
                    "  " + String(worker["slot"]?.intValue ?? 0), worker["pid"]?.intValue.map(String.init) ?? "-",
                    String(worker["generation"]?.intValue ?? 0), state, duration(worker["age_s"]?.doubleValue ?? 0),
                    String(worker["restarts"]?.intValue ?? 0), memory(worker["rss_bytes"]?.intValue),
                    worker["last_exit"]?.stringValue ?? "-",
                ])
                for line in worker["stderr_tail"]?.arrayValue ?? [] {
                    workerRows.append(["  |", line.stringValue ?? ""])
                }
            }
            details.append(table(workerRows))
        }
        var output = table(rows)
        for (index, detail) in details.enumerated() {
            output += "\n\n" + (rows[index + 1].first ?? "") + ":\n" + detail
        }
        return output
    }

    static func table(_ rows: [[String]]) -> String {
        var widths: [Int] = []
        for row in rows where row.count > 2 {
            for (index, cell) in row.enumerated() {
                if index >= widths.count { widths.append(0) }
                widths[index] = max(widths[index], cell.count)
            }
        }
        return rows.map { row in
            guard row.count > 2 else { return row.joined(separator: " ") }
            return row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
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

    private static func memory(_ bytes: Int?) -> String {
        guard let bytes else { return "-" }
        let mebibytes = Double(bytes) / 1_048_576
        return "\(format(mebibytes))M"
    }
}
