//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A response, as far as the tests care.
struct HTTPResponse {
    let status: Int
    let headers: [String: String]
    let body: String
}

enum HTTPError: Error {
    case connect(Int32)
    case closed
    case malformed(String)
}

/// A minimal HTTP/1.1 client over a blocking loopback socket, with keep-alive.
/// (Tests talk to real workers; nothing here is mocked.)
final class HTTPConnection {
    let fd: Int32

    /// Connects to 127.0.0.1:`port`, or to the Unix socket at `unixPath`.
    init(port: Int = 0, host: String = "127.0.0.1", unixPath: String? = nil, timeout: Double = 30) throws {
        if let unixPath {
            fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in unixPath.utf8.enumerated() { raw[index] = byte }
            }
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            if result != 0 {
                let code = errno
                close(fd)
                throw HTTPError.connect(code)
            }
        } else if host.contains(":") {
            fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            _ = inet_pton(AF_INET6, host, &address.sin6_addr)
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
            if result != 0 {
                let code = errno
                close(fd)
                throw HTTPError.connect(code)
            }
        } else {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr(host)
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if result != 0 {
                let code = errno
                close(fd)
                throw HTTPError.connect(code)
            }
        }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    private var buffer: [UInt8] = []

    /// Sends one GET (with `headers` besides Host) and reads its response.
    func get(_ path: String, headers: [(String, String)] = []) throws -> HTTPResponse {
        let extra = headers.map { "\($0): \($1)\r\n" }.joined()
        try send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(extra)\r\n")
        return try readResponse()
    }

    func send(_ text: String) throws {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes {
                Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else { throw HTTPError.closed }
            offset += written
        }
    }

    func sendBytes(_ bytes: [UInt8]) throws {
        var bytes = bytes
        let written = bytes.withUnsafeMutableBytes { Glibc.send(fd, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
        guard written == bytes.count else { throw HTTPError.closed }
    }

    /// One line (for the control protocol), without its newline.
    func readLine() throws -> String {
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeFirst(newline + 1)
                return line
            }
            try fill()
        }
    }

    func readResponse() throws -> HTTPResponse {
        while findHeaderEnd() == nil { try fill() }
        let end = findHeaderEnd()!
        let head = String(decoding: buffer[0..<end], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw HTTPError.malformed(statusLine) }
        var headers: [String: String] = [:]
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces
            )
        }
        buffer.removeFirst(end + 4)
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while buffer.count < length { try fill() }
        let body = String(decoding: buffer[0..<length], as: UTF8.self)
        buffer.removeFirst(length)
        return HTTPResponse(status: status, headers: headers, body: body)
    }

    /// Whether the server closed the connection (reads EOF).
    func isClosedByPeer() -> Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, 0) == 0
    }

    private func findHeaderEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for index in 0...(buffer.count - 4)
        where buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
            return index
        }
        return nil
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 16_384)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { throw HTTPError.closed }
        buffer += chunk[0..<count]
    }
}

/// One GET on a fresh connection.
func httpGet(
    port: Int,
    _ path: String = "/",
    headers: [(String, String)] = [],
    timeout: Double = 30
) throws -> HTTPResponse {
    try HTTPConnection(port: port, timeout: timeout).get(path, headers: headers)
}

/// Whether a TCP connection to 127.0.0.1:`port` is refused.
func connectionRefused(port: Int) -> Bool {
    do {
        _ = try HTTPConnection(port: port, timeout: 2)
        return false
    } catch HTTPError.connect(let code) {
        return code == ECONNREFUSED
    } catch {
        return false
    }
}
