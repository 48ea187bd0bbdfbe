//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDroverShim
import FoundationEssentials
import Glibc

/// `memory_pressure`: a descriptor that turns readable when droverd's memory cgroup nears its limit,
/// so that the largest worker can be recycled before the kernel's OOM killer picks one at random.
/// The kernel does the watching; droverd wakes only when it says so.
///
/// - cgroup v2: a PSI trigger on the cgroup's `memory.pressure` (or systemd's
///   `$MEMORY_PRESSURE_WATCH` with its `$MEMORY_PRESSURE_WRITE`), by default `some 200000 2000000`
///   (tasks stalled on memory 200 ms within 2 s, systemd's default); the trigger signals `POLLPRI`,
///   which a private epoll instance turns into readability.
/// - cgroup v1: a usage threshold at 80 % of `memory.limit_in_bytes`, registered through
///   `cgroup.event_control` with an eventfd. The kernel signals each crossing, up or down, and
///   usage counts the page cache, which the kernel gives back before it kills: so memory is short
///   when the memory it cannot give back without swap (`total_rss` of `memory.stat`: anonymous
///   pages) is over the threshold, and while usage stays above it (no new crossing to signal)
///   droverd looks again every second — only then. 20 % of the limit is left for the replacement.
///
/// Written by hand: no library registers cgroup notifications (the base64 of systemd's trigger is
/// FoundationEssentials').
final class MemoryPressureWatch {
    /// Readable when the kernel signalled.
    let fd: Int32
    /// What is watched, for the log.
    let description: String
    private let others: [Int32]
    private let usage: (directory: String, threshold: UInt64)?

    /// The share of a v1 limit at which pressure starts.
    static let thresholdShare = 0.8
    static let defaultTrigger = "some 200000 2000000"

    /// Sets up the watch for this process's memory cgroup; throws a one-line reason where none can be had.
    init(
        root: String = "/sys/fs/cgroup",
        cgroups: String? = readTextFile("/proc/self/cgroup"),
        environment: [String: String] = [:]
    ) throws(SpawnError) {
        if let watch = environment["MEMORY_PRESSURE_WATCH"], !watch.isEmpty, watch != "/dev/null" {
            let trigger = environment["MEMORY_PRESSURE_WRITE"].flatMap(Self.base64Decoded) ?? Self.defaultTrigger
            (fd, others) = try Self.pressureTrigger(watch, trigger)
            description = "\(watch) (systemd's MEMORY_PRESSURE_WATCH: \(trigger))"
            usage = nil
            return
        }
        // The hierarchy with the memory controller: v1's where it has one (a hybrid host's unified
        // hierarchy has PSI files too, blind to v1's limit), else v2's where memory.current says so.
        let candidates = MemoryCgroupDirectory.candidates(root: root, cgroups: cgroups)
        let v1 = candidates.first { $0.version == 1 && access("\($0.path)/memory.usage_in_bytes", F_OK) == 0 }
        if v1 == nil,
            let v2 = candidates.first(where: { $0.version == 2 && access("\($0.path)/memory.current", F_OK) == 0 })
        {
            (fd, others) = try Self.pressureTrigger("\(v2.path)/memory.pressure", Self.defaultTrigger)
            description = "\(v2.path)/memory.pressure (\(Self.defaultTrigger))"
            usage = nil
            return
        }
        guard let v1 else { throw SpawnError("no memory cgroup to watch (no memory controller in /proc/self/cgroup)") }
        let limitText = readTextFile("\(v1.path)/memory.limit_in_bytes") ?? ""
        guard let limit = UInt64(limitText.filter { !$0.isWhitespace }), limit < 1 << 60 else {
            throw SpawnError("\(v1.path) has no memory limit: nothing to come near")
        }
        let threshold = UInt64(Double(limit) * Self.thresholdShare)
        (fd, others) = try Self.usageThreshold(v1.path, threshold)
        description = "\(v1.path): anonymous memory over \(threshold >> 20) MiB (80 % of its \(limit >> 20) MiB limit)"
        usage = (v1.path, threshold)
    }

    /// Takes any pending signal (so the descriptor is quiet again) and says whether memory is short
    /// now, and whether droverd must look again without a signal (v1, usage still over the
    /// threshold). A PSI trigger fires only under pressure, and again each window it lasts.
    func check() -> (short: Bool, recheck: Bool) {
        if let usage {
            var count: UInt64 = 0
            _ = read(fd, &count, 8)
            let used =
                readTextFile("\(usage.directory)/memory.usage_in_bytes").flatMap {
                    UInt64($0.filter { !$0.isWhitespace })
                } ?? 0
            let anonymous = Self.statValue("total_rss", in: readTextFile("\(usage.directory)/memory.stat")) ?? used
            return (anonymous >= usage.threshold, used >= usage.threshold)
        }
        return (cdrover_epoll_take(fd) > 0, false)
    }

    /// A `key value` line of memory.stat.
    static func statValue(_ key: String, in text: String?) -> UInt64? {
        for line in (text ?? "").split(separator: "\n") where line.hasPrefix(key + " ") {
            return UInt64(line.dropFirst(key.count + 1))
        }
        return nil
    }

    deinit {
        close(fd)
        for other in others { close(other) }
    }

    /// A v2 PSI trigger: the trigger written to the pressure file, which signals POLLPRI; a private
    /// epoll watches it, and its own descriptor is what droverd's loop sees readable.
    private static func pressureTrigger(_ path: String, _ trigger: String) throws(SpawnError) -> (Int32, [Int32]) {
        let psi = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
        guard psi >= 0 else { throw SpawnError("\(path): \(errnoText())") }
        let bytes = Array(trigger.utf8) + [0]
        guard write(psi, bytes, bytes.count) >= 0 else {
            let message = errnoText()
            close(psi)
            throw SpawnError("\(path): writing the trigger \"\(trigger)\": \(message)")
        }
        let poller = cdrover_epoll_priority(psi)
        guard poller >= 0 else {
            close(psi)
            throw SpawnError("\(path): epoll: \(errnoText(-poller))")
        }
        return (poller, [psi])
    }

    /// A v1 threshold: `<eventfd> <usage fd> <bytes>` written to `cgroup.event_control`; the usage
    /// file stays open as long as the registration.
    private static func usageThreshold(_ directory: String, _ threshold: UInt64) throws(SpawnError) -> (Int32, [Int32])
    {
        let event = cdrover_eventfd()
        let usage = open("\(directory)/memory.usage_in_bytes", O_RDONLY | O_CLOEXEC)
        let control = open("\(directory)/cgroup.event_control", O_WRONLY | O_CLOEXEC)
        defer { if control >= 0 { close(control) } }
        let line = Array("\(event) \(usage) \(threshold)".utf8)
        guard event >= 0, usage >= 0, control >= 0, write(control, line, line.count) >= 0 else {
            let message = errnoText()
            if event >= 0 { close(event) }
            if usage >= 0 { close(usage) }
            throw SpawnError("\(directory)/cgroup.event_control: \(message)")
        }
        return (event, [usage])
    }

    /// systemd's `MEMORY_PRESSURE_WRITE`: the trigger, base64-encoded (NUL-terminated).
    private static func base64Decoded(_ text: String) -> String? {
        guard let data = Data(base64Encoded: text) else { return nil }
        let trigger = data.prefix { $0 != 0 }
        return trigger.isEmpty ? nil : String(decoding: trigger, as: UTF8.self)
    }
}
