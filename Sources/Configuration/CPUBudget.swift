//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// How many CPUs this process may really use: the smaller of its scheduler affinity and its
/// cgroup CPU quota (v2 `cpu.max`, v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`, the tightest
/// along the cgroup's path), rounded up, at least 1.
///
/// Pure: the caller passes the affinity count and a way to read files, so tests use fake trees.
public enum CPUBudget {
    public static func cores(
        affinity: Int,
        procSelfCgroup: String?,
        cgroupRoot: String = "/sys/fs/cgroup",
        read: (String) -> String?
    ) -> Int {
        var budget = Double(max(affinity, 1))
        if let quota = quota(procSelfCgroup: procSelfCgroup ?? "", cgroupRoot: cgroupRoot, read: read) {
            budget = min(budget, quota)
        }
        return max(1, Int(budget.rounded(.up)))
    }

    /// The tightest CPU quota on this process's cgroup path, in CPUs, or nil when unlimited.
    static func quota(procSelfCgroup: String, cgroupRoot: String, read: (String) -> String?) -> Double? {
        var tightest: Double?
        func consider(_ value: Double?) {
            guard let value, value > 0 else { return }
            tightest = min(tightest ?? value, value)
        }
        for line in procSelfCgroup.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let controllers = fields[1].split(separator: ",")
            let path = String(fields[2])
            if fields[0] == "0" && fields[1].isEmpty {
                // cgroup v2: cpu.max = "QUOTA PERIOD" or "max PERIOD".
                // A pure v2 system mounts it at the root; a hybrid one under unified/.
                for directory in ancestors(of: path, root: cgroupRoot)
                    + ancestors(of: path, root: cgroupRoot + "/unified")
                {
                    consider(v2Quota(read(directory + "/cpu.max")))
                }
            } else if controllers.contains("cpu") {
                let mount = cgroupRoot + "/" + controllers.joined(separator: ",")
                for directory in ancestors(of: path, root: mount) + ancestors(of: path, root: cgroupRoot + "/cpu") {
                    let quota = read(directory + "/cpu.cfs_quota_us").flatMap { Double(trim($0)) }
                    let period = read(directory + "/cpu.cfs_period_us").flatMap { Double(trim($0)) }
                    if let quota, let period, quota > 0, period > 0 { consider(quota / period) }
                }
            }
        }
        return tightest
    }

    private static func v2Quota(_ text: String?) -> Double? {
        guard let text else { return nil }
        let parts = trim(text).split(separator: " ")
        guard parts.count == 2, let quota = Double(parts[0]), let period = Double(parts[1]), period > 0 else {
            return nil
        }
        return quota / period
    }

    /// `root/a/b`, `root/a`, `root` for the cgroup path `/a/b`.
    private static func ancestors(of path: String, root: String) -> [String] {
        var components = path.split(separator: "/").map(String.init)
        var directories: [String] = []
        while true {
            directories.append(([root] + components).joined(separator: "/"))
            if components.isEmpty { break }
            components.removeLast()
        }
        return directories
    }

    private static func trim(_ text: String) -> String {
        String(text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
