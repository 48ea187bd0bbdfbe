//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The directories that may be droverd's memory cgroup, from `/proc/self/cgroup`: cgroup v1's memory
/// hierarchy, then cgroup v2's unified one (mounted at `root`, or at `root/unified` on hybrid hosts).
/// The workers live there too unless something moves them.
struct MemoryCgroupDirectory: Equatable {
    let path: String
    /// 1 for the v1 memory controller, 2 for the unified hierarchy.
    let version: Int

    /// The candidates in order of preference; the caller takes the first whose file it needs exists.
    static func candidates(root: String = "/sys/fs/cgroup", cgroups: String?) -> [MemoryCgroupDirectory] {
        var found: [MemoryCgroupDirectory] = []
        for line in (cgroups ?? "").split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let path = fields[2] == "/" ? "" : String(fields[2])
            if fields[1].split(separator: ",").contains("memory") {
                found.append(MemoryCgroupDirectory(path: "\(root)/memory\(path)", version: 1))
            } else if fields[0] == "0", fields[1].isEmpty {
                found += [
                    MemoryCgroupDirectory(path: "\(root)\(path)", version: 2),
                    MemoryCgroupDirectory(path: "\(root)/unified\(path)", version: 2),
                ]
            }
        }
        return found
    }
}
