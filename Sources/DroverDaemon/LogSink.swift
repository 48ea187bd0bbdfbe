//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

@preconcurrency import Dispatch
import DroverShared
import Glibc
import Synchronization

/// Where droverd's log and its workers' stderr go: stderr or a file (reopened on SIGUSR1,
/// so logrotate can move it away).
///
/// Writes are queued and written by a thread of their own, so a reader that stops reading
/// (a stuck pipe, a full disk) never stalls the event loop. While more than
/// ``workerOutputLimit`` bytes wait, droverd leaves its workers' output in their pipes
/// (``hasRoom``), so they wait, not droverd, and nothing is lost; droverd's own lines are
/// dropped, and counted in a line of their own, only past ``hardLimit``.
final class LogSink: Sendable {
    /// Bytes waiting above which workers' output stays in their pipes.
    static let workerOutputLimit = 1 << 20
    /// Bytes waiting above which droverd drops its own lines.
    static let hardLimit = 8 << 20

    private struct Queue {
        var pending: [UInt8] = []
        var dropped = 0
        /// A write-out is scheduled or running on the writer's queue.
        var writing = false
    }

    private let target: LogTarget
    /// The descriptor, held while a batch is written (so `reopen` never closes it mid-write).
    private let descriptor: Mutex<Int32>
    private let queue = Mutex(Queue())
    private let writer = DispatchQueue(label: "drover.log-writer")

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

    /// Whether workers' output may be read now: less than ``workerOutputLimit`` bytes wait.
    var hasRoom: Bool {
        queue.withLock { $0.pending.count < Self.workerOutputLimit }
    }

    func write(_ text: String) {
        var text = text
        text.withUTF8 { enqueue(UnsafeRawBufferPointer($0)) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) {
        enqueue(bytes)
    }

    /// Waits (at most `seconds`) until everything queued is written: before droverd exits.
    func flush(within seconds: Double = 2) {
        let deadline = DispatchTime.now() + seconds
        while queue.withLock({ $0.writing }) && DispatchTime.now() < deadline { usleep(1000) }
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

    private func enqueue(_ bytes: UnsafeRawBufferPointer) {
        let start = queue.withLock { queue -> Bool in
            guard queue.pending.count + bytes.count <= Self.hardLimit else {
                queue.dropped += 1
                return false
            }
            queue.pending.append(contentsOf: bytes)
            guard !queue.writing else { return false }
            queue.writing = true
            return true
        }
        if start { writer.async { self.writeOut() } }
    }

    /// Writes batches until the queue is empty.
    private func writeOut() {
        while true {
            let batch = queue.withLock { queue -> (bytes: [UInt8], dropped: Int)? in
                guard !queue.pending.isEmpty || queue.dropped > 0 else {
                    queue.writing = false
                    return nil
                }
                defer { (queue.pending, queue.dropped) = ([], 0) }
                return (queue.pending, queue.dropped)
            }
            guard let batch else { return }
            descriptor.withLock { fd in
                _ = batch.bytes.withUnsafeBytes { writeAll(fd, $0) }
                if batch.dropped > 0 {
                    writeAll(fd, "droverd: \(batch.dropped) log lines dropped: the error log is not read fast enough\n")
                }
            }
        }
    }

    private static func open(_ path: String) -> Int32 {
        Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
    }
}
