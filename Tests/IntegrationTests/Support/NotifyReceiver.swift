//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A datagram socket standing in for systemd's NOTIFY_SOCKET, so a test sees exactly what
/// droverd tells systemd, in order. A thread collects the datagrams.
final class NotifyReceiver: @unchecked Sendable {
    let path: String
    private let fd: Int32
    private let lock = NSLock()
    private var received: [String] = []
    private var open = true

    init() throws {
        path = try Paths.temporaryDirectory("notify").appendingPathComponent("notify.sock").path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else { throw HTTPError.connect(errno) }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while lock.withLock({ open }) {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count > 0 {
                    let text = String(decoding: buffer[0..<count], as: UTF8.self)
                    lock.withLock { received.append(text) }
                }
            }
            close(fd)
        }
    }

    deinit {
        lock.withLock { open = false }
    }

    /// Every datagram so far, oldest first.
    var messages: [String] { lock.withLock { received } }

    /// The messages that are not STATUS=, EXTEND_TIMEOUT_USEC= or WATCHDOG=1 updates.
    var lifecycle: [String] {
        messages.filter { !$0.hasPrefix("STATUS=") && !$0.hasPrefix("EXTEND_TIMEOUT_USEC=") && $0 != "WATCHDOG=1" }
    }
}
