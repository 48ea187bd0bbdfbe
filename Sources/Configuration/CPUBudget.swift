//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// Reads how many CPUs this process may really use (``CPUReading``): its scheduler affinity, the
/// tightest cgroup CPU quota along its cgroup path (v2 `cpu.max`, v1 `cpu.cfs_quota_us` /
/// `cpu.cfs_period_us`, ancestors included), and the CPU request its own cgroup's weight gives
/// (v2 `cpu.weight`, v1 `cpu.shares`, as Kubernetes sets them from `requests.cpu`).
///
/// Pure: the caller passes the affinity count and a way to read files, so tests use fake trees.
public enum CPUBudget {
    /// The budget without `cpu_from_request`: the smaller of the affinity and the quota, rounded up, at least 1.
    public static func cores(
        affinity: Int,
        procSelfCgroup: String?,
        cgroupRoot: String = "/sys/fs/cgroup",
        read: (String) -> String?
    ) -> Int {
        reading(affinity: affinity, procSelfCgroup: procSelfCgroup, cgroupRoot: cgroupRoot, read: read)
            .decision(fromRequest: false).cpus
    }

    /// Everything the budget's rules need, read from the cgroup files `/proc/self/cgroup` names.
    public static func reading(
        affinity: Int,
        online: Int? = nil,
        procSelfCgroup: String?,
        cgroupRoot: String = "/sys/fs/cgroup",
        read: (String) -> String?
    ) -> CPUReading {
        var quota: CPUReading.Limit?
        var request: CPUReading.Limit?
        func consider(_ limit: CPUReading.Limit?) {
            guard let limit, limit.cpus > 0 else { return }
            if limit.cpus < quota?.cpus ?? .infinity { quota = limit }
        }
        for line in (procSelfCgroup ?? "").split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let controllers = fields[1].split(separator: ",")
            let path = String(fields[2])
            if fields[0] == "0" && fields[1].isEmpty {
                // cgroup v2: a pure v2 system mounts it at the root; a hybrid one under unified/.
                for root in [cgroupRoot, cgroupRoot + "/unified"] {
                    for directory in ancestors(of: path, root: root) {
                        let file = directory + "/cpu.max"
                        consider(read(file).flatMap { CPUWeight.quota(v2: $0, file: file) })
                    }
                    let file = root + path.droppingTrailingSlash + "/cpu.weight"
                    if request == nil, let text = read(file) { request = CPUWeight.request(weight: text, file: file) }
                }
            } else if controllers.contains("cpu") {
                let mounts = [cgroupRoot + "/" + controllers.joined(separator: ","), cgroupRoot + "/cpu"]
                for mount in mounts {
                    for directory in ancestors(of: path, root: mount) {
                        let file = directory + "/cpu.cfs_quota_us"
                        let period = read(directory + "/cpu.cfs_period_us")
                        consider(read(file).flatMap { CPUWeight.quota(v1: $0, period: period, file: file) })
                    }
                    let file = mount + path.droppingTrailingSlash + "/cpu.shares"
                    if request == nil, let text = read(file) { request = CPUWeight.request(shares: text, file: file) }
                }
            }
        }
        return CPUReading(affinity: affinity, online: online, quota: quota, request: request)
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
}

extension String {
    /// `/a/b` for `/a/b/`, and the empty string for `/` (so `root + path` names a directory).
    fileprivate var droppingTrailingSlash: String {
        var text = self
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
