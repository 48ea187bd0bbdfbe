//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Glibc
import NIOCore
import NIOHTTP1
import NIOPosix

/// The ops listener (`--ops-bind`): plain HTTP/1.1 for probes, tools and Prometheus, on droverd's
/// own event loop, so `/livez` answers only while that loop turns. NIOHTTP1 parses the requests
/// (and answers bad ones with 400); ``OpsConnectionHandler`` answers the rest.
final class OpsServer: Sendable {
    /// At most this many connections at once; the next is closed at once.
    static let maximumConnections = 64
    /// Seconds a connection may stay silent.
    static let idleSeconds: Int64 = 10

    private let channel: any Channel
    private let unixPath: String?
    /// Where it listens, as a URL (`http://127.0.0.1:9100`, `unix:/run/app/ops.sock`).
    let display: String

    init(address: BindAddress, loop: any EventLoop, daemon: Daemon) throws(ListenerError) {
        let connections = NIOLoopBoundBox.makeBoxSendingValue(0, as: Int.self, eventLoop: loop)
        let bootstrap = ServerBootstrap(group: loop)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard connections.value < Self.maximumConnections else {
                        channel.close(promise: nil)
                        return
                    }
                    connections.value += 1
                    channel.closeFuture.whenComplete { _ in connections.value -= 1 }
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(IdleStateHandler(readTimeout: .seconds(Self.idleSeconds)))
                    try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                    try pipeline.addHandler(OpsConnectionHandler(daemon: daemon))
                }
            }
        do {
            switch address.endpoint {
            case .tcp(let host, let port):
                channel = try bootstrap.bind(host: host, port: port).wait()
                unixPath = nil
                let local = channel.localAddress
                let shown = local?.ipAddress.map { $0.contains(":") ? "[\($0)]" : $0 } ?? host
                display = "http://\(shown):\(local?.port ?? port)"
            case .unix(let path):
                if UnixSocketAddress.isLive(path) { throw ListenerError("\(path) is in use") }
                unlink(path)  // a socket left by a dead droverd
                channel = try bootstrap.bind(unixDomainSocketPath: path).wait()
                unixPath = path
                display = "unix:\(path)"
            case .inherited:
                throw ListenerError("not HOST:PORT or unix:PATH")
            }
        } catch let error as ListenerError {
            throw ListenerError("ops listener \(address): \(error.description)")
        } catch {
            throw ListenerError("ops listener \(address): \(error)")
        }
    }

    func close() {
        channel.close(promise: nil)
        if let unixPath { unlink(unixPath) }
    }
}
