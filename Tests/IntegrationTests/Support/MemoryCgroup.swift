//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real memory cgroup with a limit, made for one test (root only): cgroup v1's memory
/// hierarchy, or cgroup v2 where the root delegates the memory controller. Removed on deinit.
final class MemoryCgroup {
    let path: String

    /// Whether one can be made here, and why not.
    static var unavailable: String? {
        if geteuid() != 0 { return "making a memory cgroup takes root" }
        if access("/sys/fs/cgroup/memory/cgroup.procs", W_OK) == 0 { return nil }
        let controllers = (try? String(contentsOfFile: "/sys/fs/cgroup/cgroup.subtree_control", encoding: .utf8)) ?? ""
        if controllers.split(separator: " ").contains(where: {
            $0.trimmingCharacters(in: .whitespacesAndNewlines) == "memory"
        }) {
            return nil
        }
        return "no writable cgroup v1 memory hierarchy, and cgroup v2's root does not delegate memory"
    }

    /// A new cgroup allowing `limit` bytes (no swap).
    init(limit: Int) throws {
        let name = "drover-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        let version1 = access("/sys/fs/cgroup/memory/cgroup.procs", W_OK) == 0
        path = version1 ? "/sys/fs/cgroup/memory/\(name)" : "/sys/fs/cgroup/\(name)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        if version1 {
            try write("memory.limit_in_bytes", String(limit))
            try? write("memory.memsw.limit_in_bytes", String(limit))  // without swap accounting: not there
        } else {
            try write("memory.max", String(limit))
            try? write("memory.swap.max", "0")
        }
    }

    func write(_ file: String, _ value: String) throws {
        try value.write(toFile: "\(path)/\(file)", atomically: false, encoding: .utf8)
    }

    /// `sh -c` arguments that move the shell into this cgroup and exec `program` with `arguments`.
    func entering(_ program: String, _ arguments: [String]) -> [String] {
        ["-c", "echo $$ > \(path)/cgroup.procs && exec \"$0\" \"$@\"", program] + arguments
    }

    deinit {
        // Any process left (there should be none) goes to the parent first, so the directory can go.
        let parent = (path as NSString).deletingLastPathComponent
        if let procs = try? String(contentsOfFile: "\(path)/cgroup.procs", encoding: .utf8) {
            for pid in procs.split(separator: "\n") {
                try? String(pid).write(toFile: "\(parent)/cgroup.procs", atomically: false, encoding: .utf8)
            }
        }
        rmdir(path)
    }
}
