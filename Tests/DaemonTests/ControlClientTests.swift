//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import NIOCore
import NIOEmbedded
import Testing

@testable import DroverDaemon

@Suite struct EventBacklogTests {
    @Test func eventsAreWrittenWhileTheClientKeepsUp() {
        var backlog = EventBacklog()
        #expect(backlog.event(writable: true, awaitingAnswer: true) == .write(dropped: nil))
        #expect(backlog.event(writable: true, awaitingAnswer: false) == .write(dropped: nil))
        #expect(backlog.answer() == nil)
    }

    @Test func aClientWaitingForAnAnswerMissesEventsAndIsToldHowMany() {
        var backlog = EventBacklog()
        for _ in 0..<3 { #expect(backlog.event(writable: false, awaitingAnswer: true) == .skip) }
        #expect(backlog.event(writable: true, awaitingAnswer: true) == .write(dropped: 3))
        #expect(backlog.event(writable: true, awaitingAnswer: true) == .write(dropped: nil))
        #expect(backlog.event(writable: false, awaitingAnswer: true) == .skip)
        #expect(backlog.answer() == 1)
        #expect(backlog.answer() == nil)
    }

    @Test func anEventsReaderThatFallsBehindIsDisconnected() {
        var backlog = EventBacklog()
        #expect(backlog.event(writable: false, awaitingAnswer: false) == .disconnect)
    }
}

@Suite struct ControlClientTests {
    /// The lines written to `channel` so far.
    private func written(_ channel: EmbeddedChannel) throws -> [String] {
        var lines: [String] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            lines += String(buffer: buffer).split(separator: "\n").map(String.init)
        }
        return lines
    }

    private let event = ControlEvent(.workerKilled(EventWorker(pool: "web", pid: 7, slot: 0, generation: 1)), time: 1)

    @Test func aClientWaitingForAnAnswerKeepsItsConnectionAndGetsTheAnswer() throws {
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let client = ControlClient(id: 1, channel: channel)
        client.pending = 1
        #expect(client.sendEvent(event.line))
        channel.isWritable = false
        for _ in 0..<1000 { #expect(client.sendEvent(event.line)) }
        client.pending = 0
        client.send(ControlReply.success(StopResult()).line)
        let lines = try written(channel)
        #expect(lines.count == 3)
        #expect(lines[0] == event.line)
        let marker = try JSONValueDecoder().decode(ControlEvent.self, line: lines[1])
        #expect(marker.kind == .eventsDropped(count: 1000))
        #expect(lines[2] == #"{"ok":true,"result":{"stopped":true}}"#)
        #expect(channel.isActive)
    }

    @Test func theCountComesBeforeTheNextEventOnceTheClientCatchesUp() throws {
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let client = ControlClient(id: 1, channel: channel)
        client.pending = 1
        channel.isWritable = false
        client.sendEvent(event.line)
        client.sendEvent(event.line)
        channel.isWritable = true
        client.sendEvent(event.line)
        let lines = try written(channel)
        #expect(lines.count == 2)
        #expect(try JSONValueDecoder().decode(ControlEvent.self, line: lines[0]).kind == .eventsDropped(count: 2))
        #expect(lines[1] == event.line)
    }

    @Test func anEventsReaderThatFallsBehindIsClosed() throws {
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let client = ControlClient(id: 1, channel: channel)
        client.subscribed = true
        #expect(client.sendEvent(event.line))
        channel.isWritable = false
        #expect(!client.sendEvent(event.line))
        #expect(!channel.isActive)
    }
}

@Suite struct ControlDrainTests {
    private let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    /// When droverd leaves, with the clients taking `read` of what it holds each second.
    private func secondsToLeave(holding buffered: Int, read: Int) -> Int64 {
        var drain = ControlDrain(at: start)
        var second: Int64 = 0
        while !drain.done(buffered: max(0, buffered - read * Int(second)), at: start + .seconds(second)) {
            second += 1
        }
        return second
    }

    @Test func droverdLeavesAtOnceWhenEverythingWasSent() {
        #expect(secondsToLeave(holding: 0, read: 0) == 0)
    }

    @Test func droverdWaitsWhileAClientKeepsReading() {
        #expect(secondsToLeave(holding: 1_000_000, read: 50_000) == 20)
    }

    @Test func droverdLeavesWhenTheClientsStopReadingOrAfterTheLimit() {
        #expect(secondsToLeave(holding: 500, read: 0) == 3)
        #expect(secondsToLeave(holding: 1_000_000, read: 1) == 30)
    }
}
