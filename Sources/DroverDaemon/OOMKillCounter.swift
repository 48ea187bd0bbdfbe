//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc

/// How many times the kernel's OOM killer struck where droverd's workers live: the `oom_kill`
/// count of droverd's memory cgroup (cgroup v2 `memory.events`, v1 `memory.oom_control`; the
/// workers are in it unless moved). Read only when a worker dies by SIGKILL, so it costs no
/// wake-up: if the count moved since the last look, the OOM killer did it. Without a memory cgroup
/// (the host's count, `/proc/vmstat`, counts every process) no death is blamed on it.
struct OOMKillCounter {
    /// The file the count is read from, if droverd has a memory cgroup.
    let path: String?
    private var last: UInt64?

    /// Finds the file for this process's cgroups (`/proc/self/cgroup`) under `root`.
    init(root: String = "/sys/fs/cgroup", cgroups: String? = readTextFile("/proc/self/cgroup")) {
        let candidates = MemoryCgroupDirectory.candidates(root: root, cgroups: cgroups).map {
            "\($0.path)/\($0.version == 1 ? "memory.oom_control" : "memory.events")"
        }
        path = candidates.first { Self.count(in: $0) != nil }
        last = path.flatMap(Self.count(in:))
    }

    /// Whether the count moved since the last look (and remembers the new one).
    mutating func struck() -> Bool {
        guard let path, let now = Self.count(in: path) else { return false }
        defer { last = now }
        return now > (last ?? now)
    }

    /// The `oom_kill` value in a `key value` file.
    static func count(in path: String) -> UInt64? {
        guard let text = readTextFile(path) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("oom_kill ") {
            return UInt64(line.dropFirst("oom_kill ".count).trimmingPrefix(" "))
        }
        return nil
    }
}
