//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc

/// Text for a file descriptor, written in large pieces rather than a line at a time: a long
/// operation's thousands of progress lines would otherwise keep droverctl from reading droverd's
/// socket as fast as droverd writes it. Flushed whenever droverctl waits for droverd, and at the end.
struct OutputBuffer {
    let fd: Int32
    private var bytes: [UInt8] = []

    init(fd: Int32) {
        self.fd = fd
    }

    mutating func write(_ text: String) {
        bytes.append(contentsOf: text.utf8)
        if bytes.count >= 1 << 16 { flush() }
    }

    /// Writes what is buffered, all of it (unless the descriptor fails: output is best effort).
    mutating func flush() {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        bytes.removeAll(keepingCapacity: true)
    }
}
