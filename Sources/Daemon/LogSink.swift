//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Glibc
import Synchronization

/// Where droverd's log and its workers' stderr go: stderr or a file (reopened on SIGUSR1,
/// so logrotate can move it away). One `write` per line.
final class LogSink: Sendable {
    private let target: LogTarget
    private let descriptor: Mutex<Int32>

    /// Opens the target; a file that cannot be opened is an error naming it.
    init(_ target: LogTarget) throws(ConfigurationError) {
        self.target = target
        if case .file(let path) = target {
            let fd = Self.open(path)
            guard fd >= 0 else { throw ConfigurationError("error log \(path): \(errnoText())") }
            descriptor = Mutex(fd)
        } else {
            descriptor = Mutex(2)
        }
    }

    /// Whether it writes to a file (not stderr).
    var isFile: Bool {
        if case .file = target { return true }
        return false
    }

    func write(_ text: String) {
        descriptor.withLock { fd in writeAll(fd, text) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) {
        descriptor.withLock { fd in writeAll(fd, bytes) }
    }

    /// Reopens the file (after logrotate moved it); keeps the old one if that fails.
    /// Returns an error message, or nil.
    @discardableResult
    func reopen() -> String? {
        guard case .file(let path) = target else { return nil }
        let fd = Self.open(path)
        guard fd >= 0 else { return "cannot reopen \(path): \(errnoText())" }
        descriptor.withLock { current in
            close(current)
            current = fd
        }
        return nil
    }

    private static func open(_ path: String) -> Int32 {
        Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
    }
}
