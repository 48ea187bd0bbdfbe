//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc

/// Tells, from /proc, whether a worker (or a process it started) is accepting on droverd's
/// listening sockets: blocked in `accept()`/`accept4()` on one, waiting in `poll()`/`select()` on
/// one, or polling one with epoll (the socket is in one of its epoll sets). Sockets are compared by
/// inode (`/proc/PID/fd/N` → `socket:[INODE]`), so the fd numbers the worker uses do not matter.
enum AcceptObserver {
    enum Observation: Equatable {
        case accepting
        case notYet
        /// /proc does not show droverd this process (e.g. another user's, without CAP_SYS_PTRACE).
        case unobservable(String)
    }

    /// The inode numbers of these open sockets.
    static func inodes(of fds: [Int32]) -> Set<UInt64> {
        Set(
            fds.compactMap { fd in
                var info = stat()
                return fstat(fd, &info) == 0 ? UInt64(info.st_ino) : nil
            }
        )
    }

    /// Looks at `pid` and its descendants (up to 64 processes).
    static func observe(pid: Int32, sockets: Set<UInt64>) -> Observation {
        guard !sockets.isEmpty else { return .accepting }
        var queue = [pid]
        var seen = 0
        while !queue.isEmpty, seen < 64 {
            let next = queue.removeFirst()
            seen += 1
            switch process(next, sockets: sockets) {
            case .accepting: return .accepting
            case .unobservable(let reason) where next == pid: return .unobservable(reason)
            default: break
            }
            queue += children(of: next)
        }
        return .notYet
    }

    // MARK: - One process

    private static func process(_ pid: Int32, sockets: Set<UInt64>) -> Observation {
        let base = "/proc/\(pid)"
        guard let entries = directoryEntries("\(base)/fd") else {
            return errno == ENOENT ? .notYet : .unobservable("\(base)/fd: \(String(cString: strerror(errno)))")
        }
        var listening = Set<Int32>()
        var epolls: [String] = []
        for name in entries {
            guard let target = link("\(base)/fd/\(name)") else { continue }
            if target == "anon_inode:[eventpoll]" {
                epolls.append(name)
            } else if target.hasPrefix("socket:["), let inode = UInt64(target.dropFirst(8).dropLast()),
                sockets.contains(inode), let fd = Int32(name)
            {
                listening.insert(fd)
            }
        }
        guard !listening.isEmpty else { return .notYet }
        for epoll in epolls where polls(file("\(base)/fdinfo/\(epoll)") ?? "", listening, sockets) {
            return .accepting
        }
        for task in directoryEntries("\(base)/task") ?? [] {
            guard let line = file("\(base)/task/\(task)/syscall") else { continue }
            if waits(line, on: listening, pid: pid) { return .accepting }
        }
        return .notYet
    }

    /// Whether an epoll set (its fdinfo text) holds one of the sockets: `tfd: N … ino:HEX`.
    static func polls(_ fdinfo: String, _ fds: Set<Int32>, _ sockets: Set<UInt64>) -> Bool {
        for line in fdinfo.split(separator: "\n") where line.hasPrefix("tfd:") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if words.count > 1, let fd = Int32(words[1]), fds.contains(fd) { return true }
            if let ino = words.first(where: { $0.hasPrefix("ino:") }), let inode = UInt64(ino.dropFirst(4), radix: 16),
                sockets.contains(inode)
            {
                return true
            }
        }
        return false
    }

    #if arch(x86_64)
    static let accepts: Set<Int> = [43, 288]  // accept, accept4
    static let polls: Set<Int> = [7, 271]  // poll, ppoll
    static let selects: Set<Int> = [23, 270]  // select, pselect6
    #elseif arch(arm64)
    static let accepts: Set<Int> = [202, 242]
    static let polls: Set<Int> = [73]
    static let selects: Set<Int> = [72]
    #else
    static let accepts: Set<Int> = []
    static let polls: Set<Int> = []
    static let selects: Set<Int> = []
    #endif

    /// Whether a thread's `/proc/PID/task/TID/syscall` line (`NR arg0 arg1 …`, the arguments in
    /// hex) shows it blocked on one of the sockets.
    static func waits(_ line: String, on fds: Set<Int32>, pid: Int32) -> Bool {
        let words = line.split(separator: " ")
        guard words.count >= 3, let number = Int(words[0]) else { return false }
        let arguments = words.dropFirst().map { UInt64($0.dropFirst(2), radix: 16) ?? 0 }
        if accepts.contains(number) { return fds.contains(Int32(truncatingIfNeeded: arguments[0])) }
        if polls.contains(number) {
            // struct pollfd { int fd; short events; short revents; }
            let count = Int(min(arguments[1], 4096))
            guard let bytes = memory(pid, at: arguments[0], count: count * 8) else { return false }
            return stride(from: 0, to: bytes.count - 7, by: 8).contains { offset in
                let fd = bytes[offset..<offset + 4].reversed().reduce(Int32(0)) { $0 << 8 | Int32($1) }
                return fds.contains(fd)
            }
        }
        if selects.contains(number) {
            // The read set: a bitmap of arg0 bits at arg1.
            let limit = Int(min(arguments[0], 65536))
            guard arguments[1] != 0, let bits = memory(pid, at: arguments[1], count: (limit + 7) / 8) else {
                return false
            }
            return fds.contains { fd in
                Int(fd) < limit && Int(fd) / 8 < bits.count && bits[Int(fd) / 8] & (1 << (UInt8(fd) % 8)) != 0
            }
        }
        return false
    }

    // MARK: - /proc helpers

    private static func children(of pid: Int32) -> [Int32] {
        (directoryEntries("/proc/\(pid)/task") ?? []).flatMap { task in
            (file("/proc/\(pid)/task/\(task)/children") ?? "").split(separator: " ").compactMap { Int32($0) }
        }
    }

    private static func link(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func file(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 20 {
            let count = read(fd, &buffer, buffer.count)
            guard count > 0 else { break }
            bytes += buffer[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Bytes of another process's memory (a child of droverd's, so ptrace access is allowed).
    private static func memory(_ pid: Int32, at address: UInt64, count: Int) -> [UInt8]? {
        guard count > 0, address < UInt64(Int64.max) else { return nil }
        let fd = open("/proc/\(pid)/mem", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: count)
        let read = pread(fd, &bytes, count, off_t(address))
        return read == count ? bytes : nil
    }
}
