//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDroverShim
@preconcurrency import Dispatch
import DroverCore
import DroverShared
import Glibc

/// A running template (fork server): the launcher in `--template` mode, and droverd's end of its
/// socket. The protocol (SOCK_SEQPACKET, one JSON message each way; internal to droverd and the
/// launcher, documented in python/drover_worker/template.py):
///
/// - the template → droverd, once: `{"ready": true, "pid": P, "preload": B}` when it has imported;
/// - droverd → the template: `{"argv": [...], "env": [["NAME", "value"], ...], "fds": ["stderr",
///   "heartbeat", "probe"]}` with those fds (SCM_RIGHTS); the answer `{"pid": W}` (a worker that
///   is droverd's child now: the template forks twice) or `{"error": "..."}`;
/// - droverd → the template: `{"page_out": [[start, length], ...]}` (`page_out_code`); the answer
///   `{"paged_out": N}`, with `"error"` when a range failed.
final class TemplateProcess: @unchecked Sendable {
    let key: TemplateKey
    let pid: Int32
    /// droverd's end of the socket.
    let socket: Int32
    /// The template's stderr.
    let output: OutputPipe
    private var watch: ReadWatch?
    private var closed = false
    /// What `status` shows: importing, or forking (and whether it preloaded the app).
    private(set) var state: TemplateStatus.State = .starting
    private(set) var preload = false

    /// The longest wait for a fork's answer; droverd's loop waits (a fork takes about a millisecond).
    static let forkTimeoutMilliseconds: Int32 = 2000

    init(key: TemplateKey, pid: Int32, socket: Int32, output: OutputPipe) {
        self.key = key
        self.pid = pid
        self.socket = socket
        self.output = output
    }

    /// What the template says first.
    struct Ready: Decodable {
        var ready: Bool
        var preload: Bool?
    }

    struct Request: Encodable {
        var argv: [String]
        var env: [[String]]
        var fds: [String]
    }

    struct Answer: Decodable {
        var pid: Int32?
        var error: String?
    }

    /// Watches for the first message; `arrived` runs on `queue` and must call ``readReady()`` (always:
    /// it also completes the watch's cancellation after ``stop()``). The watch has its own fd (a dup),
    /// closed when it is cancelled, so the socket can close independently.
    func watch(on queue: DispatchQueue, arrived: @escaping @Sendable () -> Void) {
        let fd = dup(socket)
        guard fd >= 0 else { return }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        watch = ReadWatch(fd: fd, queue: queue, cancelled: { _ = Glibc.close(fd) }, readable: arrived)
    }

    /// What the template's first message said.
    enum Greeting {
        /// Nothing to read yet.
        case notYet
        /// Ready to fork; whether it preloaded the app.
        case ready(preload: Bool)
        /// It closed the socket or said something else (it is reaped as exited).
        case gone
    }

    /// Reads the ready message (after the watch fired, its callback suspended); stops watching
    /// unless nothing was there.
    func readReady() -> Greeting {
        guard !closed else {
            stopWatching()  // stopped meanwhile: resuming completes the cancellation
            return .gone
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { cdrover_template_receive(socket, $0.baseAddress, $0.count, 0) }
        if count == -Int(EAGAIN) || count == -Int(ETIMEDOUT) {
            watch?.resume()
            return .notYet
        }
        stopWatching()
        guard count > 0, let ready = try? JSONValueDecoder().decode(Ready.self, utf8: Array(buffer[0..<count])),
            ready.ready
        else { return .gone }
        state = .ready
        preload = ready.preload ?? false
        return .ready(preload: preload)
    }

    /// What `status` shows of it.
    var status: TemplateStatus {
        TemplateStatus(pid: pid, generation: key.generation, state: state, preload: preload)
    }

    /// Asks the template to fork a worker with these arguments, environment and fds; its pid.
    func fork(arguments: [String], environment: [[String]], fds: [(String, Int32)]) throws(SpawnError) -> Int32 {
        guard !closed else { throw SpawnError("the template of \(key) is stopped") }
        let bytes = JSONValueEncoder().lineBytes(Request(argv: arguments, env: environment, fds: fds.map(\.0)))
        let numbers = fds.map(\.1)
        let sent = bytes.withUnsafeBytes { body in
            numbers.withUnsafeBufferPointer {
                cdrover_template_send(socket, body.baseAddress, body.count, $0.baseAddress, Int32($0.count))
            }
        }
        guard sent >= 0 else { throw SpawnError("the template of \(key): \(errnoText(Int32(-sent)))") }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes {
            cdrover_template_receive(socket, $0.baseAddress, $0.count, Self.forkTimeoutMilliseconds)
        }
        guard count > 0 else {
            throw SpawnError(
                count == 0
                    ? "the template of \(key) closed its socket"
                    : "the template of \(key) did not answer: \(errnoText(Int32(-count)))"
            )
        }
        guard let answer = try? JSONValueDecoder().decode(Answer.self, utf8: Array(buffer[0..<count])) else {
            throw SpawnError("the template of \(key) answered something else than a pid")
        }
        if let pid = answer.pid, pid > 1 { return pid }
        throw SpawnError("the template of \(key) could not fork: \(answer.error ?? "no reason given")")
    }

    struct PageOutRequest: Encodable {
        var ranges: [[UInt64]]
        enum CodingKeys: String, CodingKey { case ranges = "page_out" }
    }

    struct PageOutAnswer: Decodable {
        var pagedOut: Int?
        var error: String?
        enum CodingKeys: String, CodingKey {
            case pagedOut = "paged_out"
            case error
        }
    }

    /// Asks the ready template to page out these ranges of its own memory (its madvise needs no
    /// privilege over another process); nil, or why not.
    func pageOut(_ mappings: [MemoryMapping]) -> String? {
        guard !closed, state == .ready else { return "not ready" }
        guard !mappings.isEmpty else { return nil }
        let bytes = JSONValueEncoder().lineBytes(PageOutRequest(ranges: mappings.map { [$0.start, $0.length] }))
        let sent = bytes.withUnsafeBytes { cdrover_template_send(socket, $0.baseAddress, $0.count, nil, 0) }
        guard sent >= 0 else { return errnoText(Int32(-sent)) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes {
            cdrover_template_receive(socket, $0.baseAddress, $0.count, Self.forkTimeoutMilliseconds)
        }
        guard count > 0 else { return count == 0 ? "it closed its socket" : "no answer: \(errnoText(Int32(-count)))" }
        guard let answer = try? JSONValueDecoder().decode(PageOutAnswer.self, utf8: Array(buffer[0..<count])) else {
            return "it answered something else"
        }
        return answer.error
    }

    /// Stops it: SIGKILL (it serves no one; its workers are in process groups of their own), and
    /// the socket closes. Its output is read to the end, and it is reaped as any child. A watch
    /// still on is cancelled (a callback under way completes that in ``readReady()``).
    func stop() {
        guard !closed else { return }
        _ = kill(pid, SIGKILL)
        watch?.cancel()
        closed = true
        close(socket)
    }

    /// Within a callback (the watch is suspended): cancels the watch and resumes it, which completes that.
    private func stopWatching() {
        guard let watch else { return }
        self.watch = nil
        watch.cancel()
        watch.resume()
    }
}
