//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDroverShim
import DroverConfiguration
import Glibc

/// What the configuration needs to know about this machine, read from it.
enum SystemFacts {
    /// This process's CPUs: its affinity, the host's online CPUs, the cgroup quota and request
    /// (``CPUBudget``); the configuration's `cpu_from_request` picks the rule.
    static func cpuReading() -> CPUReading {
        let affinity = Int(cdrover_affinity_cpu_count())
        let online = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return CPUBudget.reading(
            affinity: affinity > 0 ? affinity : 1,
            online: online > 0 ? online : nil,
            procSelfCgroup: readTextFile("/proc/self/cgroup"),
            read: readTextFile
        )
    }

    /// Whether `path` is a regular file.
    static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
    }
}

/// The contents of a small text file, or nil if it cannot be read.
func readTextFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    return readAll(fd, limit: 16 << 20).map { String(decoding: $0, as: UTF8.self) }
}

/// Every byte until end of file (nil on an error or past `limit` bytes).
func readAll(_ fd: Int32, limit: Int = .max) -> [UInt8]? {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count > 0 {
            bytes += buffer[0..<count]
            if bytes.count > limit { return nil }
        } else if count == 0 {
            return bytes
        } else if errno != EINTR {
            return nil
        }
    }
}

/// The names in a directory, without `.` and `..` (nil if it cannot be opened).
func directoryEntries(_ path: String) -> [String]? {
    guard let handle = opendir(path) else { return nil }
    defer { closedir(handle) }
    var names: [String] = []
    while let entry = readdir(handle) {
        let name = withUnsafePointer(to: entry.pointee.d_name) {
            $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}
