//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import NIOCore
import NIOHTTP1

/// Answers one ops connection's requests on droverd's event loop: `GET`/`HEAD` of `/livez`,
/// `/readyz`, `/status` and `/metrics` (``Daemon/opsReply(path:format:)``: the workers' PSS and
/// the app's metrics read off the loop; OpenMetrics when `Accept` prefers it); 404 for other
/// paths, 405 for other methods, 413 for a body over 64 KiB.
final class OpsConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// The most body bytes a request may carry (none are needed).
    static let maximumBody = 64 * 1024

    private let daemon: Daemon
    private var request: HTTPRequestHead?
    private var bodyBytes = 0

    init(daemon: Daemon) {
        self.daemon = daemon
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
            bodyBytes = 0
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
            if bodyBytes > Self.maximumBody, let head = request {
                request = nil
                respond(
                    context,
                    to: head,
                    OpsAnswer(status: .payloadTooLarge, text: "request body too large"),
                    close: true
                )
            }
        case .end:
            guard let head = request else { return }
            request = nil
            // On the loop; /metrics completes later (the app's files are read off the loop), and
            // NIO's pipelining handler holds the connection's next request until this one is answered.
            answer(head).assumeIsolated().whenSuccess { answer in
                self.respond(context, to: head, answer, close: !head.isKeepAlive)
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func answer(_ head: HTTPRequestHead) -> EventLoopFuture<OpsAnswer> {
        guard head.method == .GET || head.method == .HEAD else {
            return daemon.loop.makeSucceededFuture(OpsAnswer(status: .methodNotAllowed, text: "only GET and HEAD"))
        }
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        let accept = head.headers["Accept"]
        return daemon.opsReply(
            path: path,
            format: ExpositionFormat(accept: accept.isEmpty ? nil : accept.joined(separator: ","))
        )
    }

    private func respond(_ context: ChannelHandlerContext, to head: HTTPRequestHead, _ answer: OpsAnswer, close: Bool) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: answer.contentType)
        headers.add(name: "Content-Length", value: String(answer.body.utf8.count))
        headers.add(name: "Cache-Control", value: "no-store")
        if close { headers.add(name: "Connection", value: "close") }
        let response = HTTPResponseHead(version: head.version, status: answer.status, headers: headers)
        context.write(wrapOutboundOut(.head(response)), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: answer.body)))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if close {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}

/// One ops answer: a status and a body (JSON, one line of text, or a metrics exposition).
struct OpsAnswer: Sendable {
    var status: HTTPResponseStatus
    var body: String
    var contentType: String

    init(status: HTTPResponseStatus, body: String, contentType: String) {
        self.status = status
        self.body = body
        self.contentType = contentType
    }

    init(status: HTTPResponseStatus, json: String) {
        self.status = status
        self.body = json + "\n"
        self.contentType = "application/json"
    }

    init(status: HTTPResponseStatus, text: String) {
        self.status = status
        self.body = text + "\n"
        self.contentType = "text/plain; charset=utf-8"
    }
}
