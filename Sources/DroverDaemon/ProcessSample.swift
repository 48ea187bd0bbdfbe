//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc

/// droverd's own process as `/metrics` shows it (`process_*`), read from /proc when a scrape asks.
struct ProcessSample: Hashable, Sendable {
    /// User and system CPU time.
    var cpuSeconds: Double
    var residentBytes: UInt64
    var virtualBytes: UInt64
    /// Seconds since the Unix epoch.
    var startTimeSeconds: Double
    var openFDs: Int?
    var maxFDs: UInt64?

    /// droverd now: /proc/self/stat, the boot time in /proc/stat, /proc/self/fd and the soft
    /// open-files limit. Nil where /proc is not mounted.
    static func current() -> ProcessSample? {
        guard let stat = readTextFile("/proc/self/stat"),
            let bootTime = readTextFile("/proc/stat").flatMap(bootTime(fromStat:))
        else { return nil }
        let ticks = sysconf(Int32(_SC_CLK_TCK))
        let page = sysconf(Int32(_SC_PAGESIZE))
        guard
            var sample = parse(
                stat: stat,
                bootTime: bootTime,
                ticksPerSecond: ticks > 0 ? UInt64(ticks) : 100,
                pageSize: page > 0 ? UInt64(page) : 4096
            )
        else { return nil }
        sample.openFDs = countOpenFDs()
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 { sample.maxFDs = UInt64(limit.rlim_cur) }
        return sample
    }

    /// The fields of a `/proc/PID/stat` line that matter here (proc(5): utime 14, stime 15,
    /// starttime 22 in clock ticks since boot, vsize 23 in bytes, rss 24 in pages). The command
    /// name in parentheses may hold spaces and parentheses itself, so fields count from the last `)`.
    static func parse(stat: String, bootTime: UInt64, ticksPerSecond: UInt64, pageSize: UInt64) -> ProcessSample? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        // Field 3 (the state) is the first after the name.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        func field(_ number: Int) -> UInt64? { fields.count > number - 3 ? UInt64(fields[number - 3]) : nil }
        guard let user = field(14), let system = field(15), let start = field(22), let virtual = field(23),
            let rss = field(24), ticksPerSecond > 0
        else { return nil }
        return ProcessSample(
            cpuSeconds: Double(user + system) / Double(ticksPerSecond),
            residentBytes: rss * pageSize,
            virtualBytes: virtual,
            startTimeSeconds: Double(bootTime) + Double(start) / Double(ticksPerSecond),
            openFDs: nil,
            maxFDs: nil
        )
    }

    /// The `btime` line of /proc/stat: when the system booted, in seconds since the epoch.
    static func bootTime(fromStat text: String) -> UInt64? {
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return line.split(separator: " ").dropFirst().first.flatMap { UInt64($0) }
        }
        return nil
    }

    /// Entries in /proc/self/fd, less the one reading it.
    private static func countOpenFDs() -> Int? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { $0.first == UInt8(ascii: ".") }
            if !isDot { count += 1 }
        }
        return max(count - 1, 0)
    }

    /// A process's unique memory (USS, ``SmapsRollup/unique``), what stopping it frees. Not RSS,
    /// which counts pages shared with a template or the other workers in full; not PSS, which
    /// changes when a sibling exits.
    static func uniqueMemory(of pid: Int32) -> UInt64? {
        SmapsRollup.read(pid: pid)?.unique
    }
}
