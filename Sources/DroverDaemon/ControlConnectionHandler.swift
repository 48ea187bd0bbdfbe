//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Glibc
import NIOCore

/// Reads request lines from one control connection on droverd's event loop: checks the peer
/// (SO_PEERCRED), splits lines (at most 64 KiB), and hands each to the daemon.
final class ControlConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    /// Seconds a connection may stay silent while nothing is pending for it.
    static let idleSeconds: Int64 = 300

    /// How the peer of a connection is found out; nil when it cannot be.
    typealias PeerLookup = (any Channel) -> EventLoopFuture<PeerCredentials>?

    private let daemon: any ControlEndpoint
    private let access: ControlAccess
    private let peer: PeerLookup
    private var client: ControlClient?
    private var buffered: [UInt8] = []

    /// A handler for one connection, handing requests to `daemon` once `peer` says who connected
    /// and `access` allows them (`SO_PEERCRED` on droverd's Unix socket).
    init(daemon: any ControlEndpoint, access: ControlAccess, peer: @escaping PeerLookup = socketPeer) {
        self.daemon = daemon
        self.access = access
        self.peer = peer
    }

    /// The peer of a Unix socket connection, from `SO_PEERCRED`.
    static func socketPeer(_ channel: any Channel) -> EventLoopFuture<PeerCredentials>? {
        guard let provider = channel as? any SocketOptionProvider else { return nil }
        return provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET),
            name: SocketOptionName(SO_PEERCRED)
        )
    }

    func channelActive(context: ChannelHandlerContext) {
        guard let credentials = peer(context.channel) else {
            refuse(context, ControlError(.permissionDenied, "cannot tell who is connecting"))
            return
        }
        // On the loop this future is already complete: the callback runs before any read.
        credentials
            .assumeIsolated()
            .whenComplete { (result: Result<PeerCredentials, any Error>) in
                self.admit(context, peer: try? result.get())
            }
        context.fireChannelActive()
    }

    private func admit(_ context: ChannelHandlerContext, peer: PeerCredentials?) {
        guard let peer, access.allows(peer) else {
            refuse(context, ControlError(.permissionDenied, "uid \(peer?.uid ?? 0) may not use this control socket"))
            return
        }
        let channel = context.channel
        guard let accepted = daemon.controlClientConnected(channel) else {
            refuse(
                context,
                ControlError(.tooManyConnections, "too many control connections (\(ControlServer.maximumClients))")
            )
            return
        }
        client = accepted
    }

    private func refuse(_ context: ChannelHandlerContext, _ error: ControlError) {
        var buffer = context.channel.allocator.buffer(capacity: 128)
        buffer.writeString(error.replyLine + "\n")
        let channel = context.channel
        channel.writeAndFlush(buffer).whenComplete { _ in channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let client else { return }
        var bytes = unwrapInboundIn(data)
        buffered += bytes.readBytes(length: bytes.readableBytes) ?? []
        while let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
            let line = Array(buffered[..<newline])
            buffered.removeSubrange(...newline)
            guard line.count <= ControlRequest.maximumLineLength else {
                client.send(ControlError(.lineTooLong, "request longer than 64 KiB").replyLine)
                continue
            }
            guard let text = String(validating: line, as: UTF8.self), !line.contains(0) else {
                client.send(ControlError(.invalidUTF8, "request is not UTF-8 text").replyLine)
                continue
            }
            daemon.controlRequest(text, from: client)
            guard context.channel.isActive else { return }
        }
        if buffered.count > ControlRequest.maximumLineLength {
            client.send(ControlError(.lineTooLong, "request longer than 64 KiB").replyLine)
            buffered = []
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // A silent connection is closed, unless it streams events or waits for an answer.
        if event is IdleStateHandler.IdleStateEvent, let client, !client.wantsNotices {
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let client { daemon.controlClientLeft(client) }
        client = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
