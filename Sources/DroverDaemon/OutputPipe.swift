//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

@preconcurrency import Dispatch
import Glibc

/// The read end of a worker's stderr pipe: droverd forwards complete lines to its error
/// log and hands them to the core, which keeps the last few for `status`.
///
/// Everything but the readability callback runs on the daemon's event loop.
final class OutputPipe: @unchecked Sendable {
    let fd: Int32
    /// Where complete lines are forwarded (droverd's error log).
    private let sink: LogSink
    private var watch: ReadWatch?
    private var partial: [UInt8] = []
    private var closed = false
    /// In JSON format, how a line becomes one JSON object (nil: lines pass as written).
    var wrapper: WorkerLineWrapper?
    /// The longest line kept whole (1 MiB: a big JSON log record stays one valid line); longer
    /// ones are forwarded in pieces.
    static let maximumLine = 1 << 20

    init(fd: Int32, sink: LogSink) {
        self.fd = fd
        self.sink = sink
    }

    /// Starts watching; `readable` runs on `queue` and must call ``drain(limit:)`` then ``resume()`` later.
    func watch(on queue: DispatchQueue, readable: @escaping @Sendable () -> Void) {
        let fd = self.fd
        watch = ReadWatch(fd: fd, queue: queue, cancelled: { _ = Glibc.close(fd) }, readable: readable)
    }

    /// Re-arms the watch after a readability callback.
    func resume() {
        watch?.resume()
    }

    /// Reads what is there (at most `limit` bytes), forwards complete lines to stderr,
    /// and returns them. `ended` is true at end of file.
    func drain(limit: Int = 256 * 1024) -> (lines: [String], ended: Bool) {
        guard !closed else { return ([], true) }
        var lines: [String] = []
        var total = 0
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while total < limit {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                total += count
                collect(buffer[0..<count], into: &lines)
            } else if count == 0 {
                flushPartial(into: &lines)
                return (lines, true)
            } else if errno == EINTR {
                continue
            } else {
                break
            }
        }
        return (lines, false)
    }

    private func collect(_ bytes: ArraySlice<UInt8>, into lines: inout [String]) {
        var start = bytes.startIndex
        while let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
            partial.append(contentsOf: bytes[start...newline])
            emit(&lines)
            start = bytes.index(after: newline)
        }
        partial.append(contentsOf: bytes[start...])
        if partial.count >= Self.maximumLine {
            partial.append(UInt8(ascii: "\n"))
            emit(&lines)
        }
    }

    private func flushPartial(into lines: inout [String]) {
        guard !partial.isEmpty else { return }
        partial.append(UInt8(ascii: "\n"))
        emit(&lines)
    }

    /// Writes the pending line to the error log and keeps its text.
    private func emit(_ lines: inout [String]) {
        var text = partial.dropLast()
        if text.last == UInt8(ascii: "\r") { text = text.dropLast() }
        let line = String(decoding: text, as: UTF8.self)
        if let wrapper {
            sink.write(wrapper.wrap(line))
        } else {
            partial.withUnsafeBytes { sink.write($0) }
        }
        lines.append(line)
        // A big line's buffer is not kept for the worker's whole life.
        partial.removeAll(keepingCapacity: partial.capacity <= 64 * 1024)
    }

    /// Stops watching and closes the pipe (after a pending callback, if one is under way).
    func close() {
        guard !closed else { return }
        closed = true
        if let watch {
            watch.cancel()
        } else {
            Glibc.close(fd)
        }
    }

    /// Whether ``close()`` was called (a late callback then only resumes, so cancellation completes).
    var isClosed: Bool { closed }
}
