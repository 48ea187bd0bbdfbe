//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Glibc
import NIOCore
import NIOEmbedded
import Testing

@testable import DroverDaemon

/// The control connection handler in-process, over NIO's `EmbeddedChannel`: who is let in, how
/// request lines are split and refused, when a connection is closed.
@Suite struct ControlConnectionHandlerTests {
    /// Answers every request line with `echo: LINE`; records who came and went.
    final class EchoEndpoint: ControlEndpoint, @unchecked Sendable {
        var lines: [String] = []
        var connected = 0
        var left = 0
        var capacity = 10

        func controlClientConnected(_ channel: any Channel) -> ControlClient? {
            guard connected < capacity else { return nil }
            connected += 1
            return ControlClient(id: UInt64(connected), channel: channel)
        }

        func controlRequest(_ line: String, from client: ControlClient) {
            lines.append(line)
            if line == "events" { client.subscribed = true }  // as droverd does
            client.send("echo: \(line)")
        }

        func controlClientLeft(_ client: ControlClient) { left += 1 }
    }

    private func connect(
        _ endpoint: EchoEndpoint,
        uid: UInt32 = geteuid()
    ) throws -> EmbeddedChannel {
        let handler = ControlConnectionHandler(daemon: endpoint, access: ControlAccess(group: nil)) { channel in
            channel.eventLoop.makeSucceededFuture(PeerCredentials(pid: 42, uid: uid, gid: 0))
        }
        let channel = EmbeddedChannel(handler: handler)
        try channel.connect(to: SocketAddress(unixDomainSocketPath: "/control")).wait()
        return channel
    }

    private func send(_ channel: EmbeddedChannel, _ bytes: [UInt8]) throws {
        try channel.writeInbound(channel.allocator.buffer(bytes: bytes))
    }

    private func written(_ channel: EmbeddedChannel) throws -> [String] {
        var lines: [String] = []
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            lines += (buffer.readString(length: buffer.readableBytes) ?? "").split(separator: "\n").map(String.init)
        }
        return lines
    }

    @Test func linesAreSplitAcrossReadsAndWithinOne() throws {
        let endpoint = EchoEndpoint()
        let channel = try connect(endpoint)
        try send(channel, Array(#"{"verb":"sta"#.utf8))
        #expect(endpoint.lines.isEmpty)
        try send(channel, Array("tus\"}\nversion\nhel".utf8))
        #expect(endpoint.lines == [#"{"verb":"status"}"#, "version"])
        try send(channel, Array("p\n".utf8))
        #expect(endpoint.lines.last == "help")
        #expect(try written(channel) == [#"echo: {"verb":"status"}"#, "echo: version", "echo: help"])
        _ = try channel.finish()
        #expect(endpoint.left == 1)
    }

    @Test func aStrangerIsRefusedWithAReasonAndClosed() throws {
        let endpoint = EchoEndpoint()
        let stranger: UInt32 = geteuid() == 54_321 ? 54_322 : 54_321
        let channel = try connect(endpoint, uid: stranger)
        let reply = try written(channel)
        #expect(reply.count == 1)
        #expect(reply.first?.contains("permission_denied") == true)
        #expect(reply.first?.contains("uid \(stranger)") == true)
        try send(channel, Array("version\n".utf8))
        #expect(endpoint.lines.isEmpty)
        #expect(endpoint.connected == 0)
    }

    @Test func tooManyClientsAreRefused() throws {
        let endpoint = EchoEndpoint()
        endpoint.capacity = 0
        let channel = try connect(endpoint)
        #expect(try written(channel).first?.contains("too_many_connections") == true)
    }

    @Test func badLinesGetAnErrorAndTheConnectionGoesOn() throws {
        let endpoint = EchoEndpoint()
        let channel = try connect(endpoint)
        try send(channel, [0x66, 0xFF, 0x0A])  // not UTF-8
        try send(channel, [0x61, 0x00, 0x62, 0x0A])  // a NUL byte
        try send(channel, Array("version\n".utf8))
        let reply = try written(channel)
        #expect(reply.count == 3)
        #expect(reply[0].contains("invalid_utf8") && reply[1].contains("invalid_utf8"))
        #expect(reply[2] == "echo: version")
        #expect(channel.isActive)
    }

    @Test func anEndlessLineIsRefusedAndClosed() throws {
        let endpoint = EchoEndpoint()
        let channel = try connect(endpoint)
        try send(channel, [UInt8](repeating: UInt8(ascii: "a"), count: ControlRequest.maximumLineLength + 1))
        #expect(try written(channel).first?.contains("line_too_long") == true)
        #expect(!channel.isActive)
        #expect(endpoint.lines.isEmpty)
    }

    @Test func aSilentConnectionIsClosedUnlessItStreamsEvents() throws {
        let endpoint = EchoEndpoint()
        let quiet = try connect(endpoint)
        quiet.pipeline.fireUserInboundEventTriggered(IdleStateHandler.IdleStateEvent.read)
        #expect(!quiet.isActive)

        let streaming = try connect(endpoint)
        try send(streaming, Array("events\n".utf8))
        streaming.pipeline.fireUserInboundEventTriggered(IdleStateHandler.IdleStateEvent.read)
        #expect(streaming.isActive)
    }
}
