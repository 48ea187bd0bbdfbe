//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Glibc
import NIOCore
import NIOPosix

/// droverd's control socket: a Unix stream socket, mode 0600 (0660 with a control group),
/// in a directory that is not world-writable. A socket left by a dead droverd is replaced;
/// a live one means another droverd runs, and start-up stops.
final class ControlServer: Sendable {
    let path: String
    private let channel: any Channel
    private let daemon: Daemon

    /// At most this many clients at once; the next is told and disconnected.
    static let maximumClients = 128

    /// Binds the socket (prepared by ``prepare(_:group:)``) on `loop`; every connection gets a
    /// ``ControlConnectionHandler`` for `daemon`.
    init(path: String, group groupID: gid_t?, loop: any EventLoop, daemon: Daemon) throws(ListenerError) {
        let access = ControlAccess(group: groupID)
        let bootstrap = ServerBootstrap(group: loop)
            .serverChannelOption(.backlog, value: 128)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 32 * 1024, high: 256 * 1024))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        IdleStateHandler(readTimeout: .seconds(ControlConnectionHandler.idleSeconds))
                    )
                    try channel.pipeline.syncOperations.addHandler(
                        ControlConnectionHandler(daemon: daemon, access: access)
                    )
                }
            }
        // The directory is not world-writable; the umask closes the window between bind and chmod too.
        let previous = umask(0o177)
        defer { umask(previous) }
        do {
            channel = try bootstrap.bind(unixDomainSocketPath: path).wait()
        } catch {
            throw ListenerError("control socket \(path): \(error)")
        }
        let mode: mode_t = groupID == nil ? 0o600 : 0o660
        if let groupID { _ = chown(path, uid_t.max, groupID) }
        guard chmod(path, mode) == 0 else { throw ListenerError("control socket \(path): chmod: \(errnoText())") }
        self.path = path
        self.daemon = daemon
    }

    /// Stops accepting, then (off the event loop) waits for the clients to read what droverd
    /// wrote them (``ControlDrain``): the answer to `stop` comes last, after every event.
    func close() {
        channel.close(promise: nil)
        unlink(path)
        let loop = channel.eventLoop
        guard !loop.inEventLoop else { return }
        let daemon = daemon
        _ = try? loop.flatSubmit { daemon.controlClientsDrained() }.wait()
    }

    /// Checks the group, makes the directory (0700, or 0710 for a group), refuses a world-writable
    /// one, a symlink, or a live socket, and removes a stale one. Returns the group's id.
    static func prepare(_ path: String, group name: String?) throws(ListenerError) -> gid_t? {
        var group: gid_t?
        if let name {
            guard let id = ControlAccess.groupID(name) else {
                throw ListenerError("--control-group: no group named '\(name)'")
            }
            group = id
        }
        try prepare(path, group: group)
        return group
    }

    private static func prepare(_ path: String, group: gid_t?) throws(ListenerError) {
        guard path.utf8.count < 108 else { throw ListenerError("control socket \(path): path longer than 107 bytes") }
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !directory.isEmpty {
            try makeDirectory(directory, group: group)
            var info = stat()
            guard stat(directory, &info) == 0 else {
                throw ListenerError("control socket directory \(directory): \(errnoText())")
            }
            guard info.st_mode & S_IWOTH == 0 else {
                throw ListenerError(
                    "control socket directory \(directory) is world-writable; choose another --control-socket"
                )
            }
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        switch info.st_mode & S_IFMT {
        case S_IFLNK: throw ListenerError("control socket \(path) is a symbolic link; not following it")
        case S_IFSOCK:
            if UnixSocketAddress.isLive(path) {
                throw ListenerError("another droverd is running with the control socket \(path)")
            }
            unlink(path)
        default: throw ListenerError("control socket \(path) exists and is not a socket")
        }
    }

    private static func makeDirectory(_ directory: String, group: gid_t?) throws(ListenerError) {
        var info = stat()
        if stat(directory, &info) == 0 { return }
        let parent = directory.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !parent.isEmpty { try makeDirectory(parent, group: group) }
        guard mkdir(directory, group == nil ? 0o700 : 0o710) == 0 || errno == EEXIST else {
            throw ListenerError("control socket directory \(directory): \(errnoText())")
        }
        if let group { _ = chown(directory, uid_t.max, group) }
    }
}
