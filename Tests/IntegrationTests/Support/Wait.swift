//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

/// A condition that did not come true in time.
struct Timeout: Error, CustomStringConvertible {
    let description: String
}

/// Polls `condition` every few milliseconds until it returns a value, for at most `seconds`.
/// Tests synchronise on what they can observe (a log line, an answer, a process gone), never on sleeps.
@discardableResult
func waitFor<T>(
    _ what: @autoclosure () -> String,
    timeout seconds: Double = 15,
    every interval: Double = 0.01,
    _ condition: () throws -> T?
) throws -> T {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
        if let value = try condition() { return value }
        if Date() >= deadline { throw Timeout(description: "timed out after \(seconds)s waiting for \(what())") }
        Thread.sleep(forTimeInterval: interval)
    }
}

/// Whether a process exists (a zombie counts as gone).
func processIsAlive(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    guard let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(close, offsetBy: 2)]
    return state != "Z" && state != "X"
}

/// The pids of `parent`'s children that are alive.
func childPIDs(of parent: Int32) -> [Int32] {
    childPIDs(of: parent) { $0 != "Z" }
}

/// The pids of `parent`'s children whose state (`R`, `S`, `Z`, … in /proc/PID/stat) passes `state`.
func childPIDs(of parent: Int32, state: (Substring) -> Bool) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).filter { pid in
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 2 && state(fields[0]) && Int32(fields[1]) == parent
    }.sorted()
}

/// The full path of `name` in PATH (as a shell would find it), or nil.
func executableInPath(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
}
