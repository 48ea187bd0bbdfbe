//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Glibc

/// A blocking connection to droverd's control socket: one request line out, reply lines in.
struct ControlConnection {
    private let fd: Int32
    /// Bytes read and not yet returned as lines start at `consumed`.
    private var buffer: [UInt8] = []
    private var consumed = 0
    private var chunk = [UInt8](repeating: 0, count: 65_536)

    /// Why droverctl could not talk to droverd; `noDaemon` maps to exit status 3.
    struct Failure: Error {
        let message: String
        let noDaemon: Bool
    }

    init(path: String) throws(Failure) {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(message: "socket: \(Self.errorText())", noDaemon: false) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < 108 else { throw Failure(message: "\(path): path too long", noDaemon: false) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1))
            }
        }
        if connected != 0 {
            let code = errno
            Glibc.close(fd)
            let gone = code == ENOENT || code == ECONNREFUSED || code == ENOTDIR
            let what = gone ? "no droverd is running at \(path)" : "cannot connect to \(path)"
            throw Failure(message: "\(what) (\(Self.errorText(code)))" + Self.hint(code), noDaemon: gone)
        }
    }

    /// The usual cause, for the one-line error: another user's droverd, or a socket not ours.
    static func hint(_ code: Int32) -> String {
        switch code {
        case ENOENT, ECONNREFUSED, ENOTDIR:
            geteuid() == 0
                ? "; a droverd started by another user listens in that user's runtime directory: name it with --socket"
                : "; a droverd started by root or another user has its own socket (root's: /run/drover/NAME.sock): name it with --socket, or run droverctl as that user"
        case EACCES, EPERM:
            "; the socket belongs to another user: run droverctl as that user, or be in droverd's --control-group"
        default: ""
        }
    }

    func send(_ line: String) throws(Failure) {
        var bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes {
                Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                throw Failure(message: "droverd closed the connection (\(Self.errorText()))", noDaemon: false)
            }
        }
    }

    /// The next reply line, or nil when droverd closed the connection. `waiting` runs before
    /// droverctl blocks for more of droverd's output (to flush what it printed meanwhile).
    mutating func readLine(waiting: () -> Void = {}) throws(Failure) -> String? {
        var searched = consumed
        while true {
            if let newline = buffer[searched...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[consumed..<newline], as: UTF8.self)
                consumed = newline + 1
                return line
            }
            buffer.removeSubrange(..<consumed)
            consumed = 0
            searched = buffer.count
            waiting()
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer += chunk[0..<count]
            } else if count == 0 {
                return nil
            } else if errno != EINTR {
                throw Failure(message: "reading from droverd: \(Self.errorText())", noDaemon: false)
            }
        }
    }

    func close() {
        Glibc.close(fd)
    }

    private static func errorText(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }
}
