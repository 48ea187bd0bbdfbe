//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real nested CPU cgroup tree made for one test (root only): a parent, where the quota is set,
/// and a leaf under it, where droverd runs (and the request is set). cgroup v1's cpu hierarchy
/// (`cpu.cfs_quota_us`, `cpu.shares`) or cgroup v2 where the root delegates the cpu controller
/// (`cpu.max`, `cpu.weight`). Processes left in it go back to the root, and both directories are
/// removed, on deinit.
final class CPUCgroupTree {
    enum Version: Int {
        case v1 = 1
        case v2 = 2
    }

    let version: Version
    let parent: String
    let leaf: String
    private let root: String

    /// Why a tree of this version cannot be made here, or nil when it can.
    static func unavailable(_ version: Version) -> String? {
        if geteuid() != 0 { return "making a cpu cgroup takes root" }
        switch version {
        case .v1:
            if access("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", W_OK) == 0 { return nil }
            return "no writable cgroup v1 cpu hierarchy at /sys/fs/cgroup/cpu"
        case .v2:
            let controllers = (try? String(contentsOfFile: "/sys/fs/cgroup/cgroup.subtree_control", encoding: .utf8))
            if controllers?.split(whereSeparator: \.isWhitespace).contains("cpu") == true { return nil }
            return "cgroup v2's root (/sys/fs/cgroup) does not delegate the cpu controller here"
                + " (a hybrid host: cgroup v1 holds it, and the unified hierarchy cannot take it while it does)"
        }
    }

    /// The version this host can make, v1 first (where a hybrid host has the cpu controller).
    static var available: Version? {
        unavailable(.v1) == nil ? .v1 : unavailable(.v2) == nil ? .v2 : nil
    }

    init(_ version: Version) throws {
        self.version = version
        root = version == .v1 ? "/sys/fs/cgroup/cpu" : "/sys/fs/cgroup"
        parent = "\(root)/drover-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        leaf = parent + "/leaf"
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: false)
        if version == .v2 { try write(parent + "/cgroup.subtree_control", "+cpu") }
        try FileManager.default.createDirectory(atPath: leaf, withIntermediateDirectories: false)
    }

    /// Sets the parent's quota to `cpus` CPUs (nil: no quota), with a 100 ms period.
    func setParentQuota(_ cpus: Double?) throws {
        let quota = cpus.map { String(Int($0 * 100_000)) }
        switch version {
        case .v1: try write(parent + "/cpu.cfs_quota_us", quota ?? "-1")
        case .v2: try write(parent + "/cpu.max", "\(quota ?? "max") 100000")
        }
    }

    /// Sets the leaf's weight as Kubernetes does for a request of `millicores`.
    func setLeafRequest(millicores: Int) throws {
        let shares = max(2, millicores * 1024 / 1000)
        switch version {
        case .v1: try write(leaf + "/cpu.shares", String(shares))
        case .v2: try write(leaf + "/cpu.weight", String(1 + ((shares - 2) * 9999) / 262_142))
        }
    }

    /// The file a quota set by ``setParentQuota(_:)`` is read from.
    var quotaFile: String { parent + (version == .v1 ? "/cpu.cfs_quota_us" : "/cpu.max") }

    /// `sh -c` arguments that move the shell into the leaf and exec `program` with `arguments`.
    func entering(_ program: String, _ arguments: [String]) -> [String] {
        ["-c", "echo $$ > \(leaf)/cgroup.procs && exec \"$0\" \"$@\"", program] + arguments
    }

    private func write(_ path: String, _ value: String) throws {
        try value.write(toFile: path, atomically: false, encoding: .utf8)
    }

    deinit {
        // Any process left (there should be none) goes back to the root, so the directories can go.
        for directory in [leaf, parent] {
            if let procs = try? String(contentsOfFile: "\(directory)/cgroup.procs", encoding: .utf8) {
                for pid in procs.split(separator: "\n") { try? write("\(root)/cgroup.procs", String(pid)) }
            }
            rmdir(directory)
        }
    }
}
