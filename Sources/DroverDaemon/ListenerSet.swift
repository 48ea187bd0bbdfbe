//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDroverShim
import DroverShared
import Glibc

/// The listening sockets droverd holds for its workers, one per distinct address.
///
/// Sockets are bound once and kept across reloads while any pool uses them; every
/// worker gets its own copies at fds 3, 4, … when it is spawned.
final class ListenerSet {
    struct Listener {
        /// What it is shared by (see ``ListenerSet/key(_:)``).
        let key: BindAddress
        let endpoint: BindAddress.Endpoint
        let fd: Int32
        /// The path to unlink on close, for a Unix socket droverd created.
        let ownedPath: String?
        /// `http://127.0.0.1:8000` or `unix:/run/app.sock`, with the real port for port 0.
        let display: String
        /// Passed in by systemd: never shut down (systemd keeps queueing connections), never unlinked.
        var inherited = false
    }

    private(set) var listeners: [Listener] = []

    /// Each TCP listener's accept queue now (connections waiting, and the limit), by its display
    /// name: one getsockopt each, no /proc walk. Unix sockets do not say.
    func acceptQueues() -> [(listener: String, queued: UInt32, limit: UInt32)] {
        listeners.compactMap { listener in
            var queued: UInt32 = 0
            var limit: UInt32 = 0
            guard cdrover_listen_queue(listener.fd, &queued, &limit) == 0 else { return nil }
            return (listener.display, queued, limit)
        }
    }
    /// Connections backlog (Gunicorn's `backlog`, 2048 by default), for sockets bound from now on.
    var backlog: Int32 = 2048
    /// Whether sockets bound from now on get SO_REUSEPORT (Gunicorn's `reuse_port`).
    var reusePort = false
    /// The mode of Unix sockets bound from now on: 0666, or 0777 less Gunicorn's `umask` when set.
    var unixSocketMode: mode_t = 0o666

    /// Takes the sockets systemd passed in; `fd://NAME` binds use them.
    func adopt(_ sockets: [InheritedSocket]) {
        for socket in sockets {
            listeners.append(
                Listener(
                    key: BindAddress(.inherited(name: socket.name)),
                    endpoint: .inherited(name: socket.name),
                    fd: socket.fd,
                    ownedPath: nil,
                    display: "fd://\(socket.name) (from systemd)",
                    inherited: true
                )
            )
        }
    }

    /// Binds every address not bound yet; returns the new listeners. On error nothing new is kept.
    func prepare(_ binds: [BindAddress]) throws(ListenerError) -> [Listener] {
        var added: [Listener] = []
        for bind in binds where !(listeners + added).contains(where: { $0.key == Self.key(bind) }) {
            do {
                added.append(try open(bind))
            } catch {
                for listener in added { close(listener) }
                throw error
            }
        }
        listeners += added
        return added
    }

    /// The fds of `binds`, in order (all must have been prepared).
    func fds(for binds: [BindAddress]) -> [Int32] {
        binds.compactMap { bind in listeners.first { $0.key == Self.key(bind) }?.fd }
    }

    /// Pools that name the same address share its socket; every port-0 bind is a socket of its own.
    static func key(_ bind: BindAddress) -> BindAddress {
        if case .tcp(_, 0) = bind.endpoint { return bind }
        return BindAddress(bind.endpoint)
    }

    /// Refuses new connections at once on `binds` (the core names them: not a command pool's,
    /// whose Hypercorn, Daphne or Node would log every accept() failing with EINVAL): shuts the
    /// sockets down for reading. (Workers keep their copies open until they exit, so closing ours
    /// would not be enough.)
    func stopAccepting(_ binds: [BindAddress]) {
        let chosen = Set(binds.map(Self.key))
        for listener in listeners where !listener.inherited && chosen.contains(listener.key) {
            _ = shutdown(listener.fd, Int32(SHUT_RD))
        }
    }

    /// Closes the sockets no pool uses any more.
    func retain(_ binds: [BindAddress]) {
        let kept = Set(binds.map(Self.key))
        for listener in listeners where !kept.contains(listener.key) && !listener.inherited { close(listener) }
        listeners.removeAll { !kept.contains($0.key) && !$0.inherited }
    }

    func closeAll() {
        for listener in listeners { close(listener) }
        listeners = []
    }

    private func close(_ listener: Listener) {
        _ = Glibc.close(listener.fd)
        if let path = listener.ownedPath { _ = unlink(path) }
    }

    // MARK: - Binding

    private func open(_ bind: BindAddress) throws(ListenerError) -> Listener {
        switch bind.endpoint {
        case .tcp(let host, let port): return try openTCP(bind, host: host, port: port)
        case .unix(let path): return try openUnix(bind, path: path)
        case .inherited(let name):
            let passed = listeners.filter(\.inherited)
            // fd://3: a socket by its number, whatever its name.
            if let number = Int32(name), let socket = passed.first(where: { $0.fd == number }) {
                return Listener(
                    key: Self.key(bind),
                    endpoint: bind.endpoint,
                    fd: socket.fd,
                    ownedPath: nil,
                    display: socket.display,
                    inherited: true
                )
            }
            let names = passed.map(\.endpoint).compactMap { if case .inherited(let name) = $0 { name } else { nil } }
            throw ListenerError(
                "bind \(bind): systemd passed no socket named '\(name)'"
                    + (names.isEmpty
                        ? " (no LISTEN_FDS: start droverd from a .socket unit)"
                        : " (passed: \(names.joined(separator: ", ")))")
            )
        }
    }

    private func openTCP(_ bind: BindAddress, host: String, port: Int) throws(ListenerError) -> Listener {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let info = result else {
            throw ListenerError("bind \(bind): cannot resolve '\(host)': \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(result) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ListenerError("bind \(bind): socket: \(errnoText())") }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if reusePort { _ = setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size)) }
        guard Glibc.bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0, listen(fd, backlog) == 0 else {
            let code = errno
            _ = Glibc.close(fd)
            throw ListenerError("bind \(bind): \(errnoText(code))", code: code)
        }
        return Listener(
            key: Self.key(bind),
            endpoint: bind.endpoint,
            fd: fd,
            ownedPath: nil,
            display: "http://" + localAddress(fd, bind)
        )
    }

    private func localAddress(_ fd: Int32, _ bind: BindAddress) -> String {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { return bind.description }
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        let status = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo(
                    $0,
                    length,
                    &host,
                    socklen_t(host.count),
                    &service,
                    socklen_t(service.count),
                    NI_NUMERICHOST | NI_NUMERICSERV
                )
            }
        }
        guard status == 0 else { return bind.description }
        let hostText = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let portText = String(decoding: service.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return hostText.contains(":") ? "[\(hostText)]:\(portText)" : "\(hostText):\(portText)"
    }

    private func openUnix(_ bind: BindAddress, path: String) throws(ListenerError) -> Listener {
        var info = stat()
        if lstat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFSOCK else {
                throw ListenerError("bind \(bind): \(path) exists and is not a socket")
            }
            if UnixSocketAddress.isLive(path) {
                throw ListenerError("bind \(bind): \(path) is in use by another process")
            }
            _ = unlink(path)  // left by a process that is gone
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ListenerError("bind \(bind): socket: \(errnoText())") }
        let bound = UnixSocketAddress.withAddress(path) { address, length in Glibc.bind(fd, address, length) == 0 }
        guard bound, chmod(path, unixSocketMode) == 0, listen(fd, backlog) == 0 else {
            let message = errnoText()
            _ = Glibc.close(fd)
            throw ListenerError("bind \(bind): \(message)")
        }
        return Listener(key: Self.key(bind), endpoint: bind.endpoint, fd: fd, ownedPath: path, display: "unix:\(path)")
    }
}

/// Why a socket could not be bound, in one line.
struct ListenerError: Error, CustomStringConvertible {
    let description: String
    /// The errno behind it, if any (droverd passes it to systemd as `ERRNO=`).
    let code: Int32

    init(_ description: String, code: Int32 = 0) {
        self.description = description
        self.code = code
    }
}
