//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDroverShim
import Glibc
import NIOCore
import NIOHTTP1
import NIOPosix

/// One `ready_probe` request: `GET path` on a worker's own probe socket, answered with the
/// response's status (NIOHTTP1 speaks the HTTP), or why there was none.
enum ReadyProbe {
    /// The outcome: a status, or nil and a reason.
    struct Answer: Sendable {
        var status: Int?
        var detail: String
    }

    /// Asks; `done` runs on `loop` exactly once.
    static func ask(
        address: String,
        path: String,
        timeout: TimeAmount,
        on loop: any EventLoop,
        done: @escaping @Sendable (Answer) -> Void
    ) {
        let fd = cdrover_probe_connect(address)
        guard fd >= 0 else {
            loop.execute { done(Answer(status: nil, detail: "connect: \(errnoText(-fd))")) }
            return
        }
        let promise = loop.makePromise(of: Answer.self)
        promise.futureResult.whenSuccess(done)
        let bootstrap = ClientBootstrap(group: loop).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                try channel.pipeline.syncOperations.addHandler(StatusReader(path: path, promise: promise))
            }
        }
        let timer = loop.scheduleTask(in: timeout) {
            promise.succeed(Answer(status: nil, detail: "no answer within \(timeout.nanoseconds / 1_000_000) ms"))
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        bootstrap.withConnectedSocket(fd).whenComplete { result in
            switch result {
            case .success(let channel):
                promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
            case .failure(let error):
                promise.succeed(Answer(status: nil, detail: "\(error)"))
            }
        }
    }

    /// Sends the request once active; completes the promise with the response head's status.
    private final class StatusReader: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPClientResponsePart
        typealias OutboundOut = HTTPClientRequestPart

        private let path: String
        private let promise: EventLoopPromise<Answer>

        init(path: String, promise: EventLoopPromise<Answer>) {
            self.path = path
            self.promise = promise
        }

        func channelActive(context: ChannelHandlerContext) {
            var headers = HTTPHeaders()
            headers.add(name: "Host", value: "localhost")
            headers.add(name: "User-Agent", value: "droverd-ready-probe")
            headers.add(name: "Connection", value: "close")
            let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if case .head(let head) = unwrapInboundIn(data) {
                promise.succeed(Answer(status: Int(head.status.code), detail: head.status.reasonPhrase))
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.succeed(Answer(status: nil, detail: "\(error)"))
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.succeed(Answer(status: nil, detail: "connection closed without an answer"))
            context.fireChannelInactive()
        }
    }
}
