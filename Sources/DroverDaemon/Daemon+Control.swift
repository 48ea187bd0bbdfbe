//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverConfiguration
import DroverCore
import DroverShared
import Glibc
import Logging
import NIOCore

// MARK: - The control socket's verbs

extension Daemon {
    /// A client connected; nil when there are too many already.
    func controlClientConnected(_ channel: any Channel) -> ControlClient? {
        guard controlClients.count < ControlServer.maximumClients else { return nil }
        nextClientID += 1
        let client = ControlClient(id: nextClientID, channel: channel)
        controlClients[client.id] = client
        return client
    }

    func controlClientLeft(_ client: ControlClient) {
        controlClients.removeValue(forKey: client.id)
    }

    /// One request line from a client. Queries are answered at once; operations go to the core
    /// (as the signals do) and are answered when they end, with progress events meanwhile.
    func controlRequest(_ line: String, from client: ControlClient) {
        let request: ControlRequest
        do {
            request = try ControlRequest(line: line)
        } catch {
            client.send(error.replyLine)
            return
        }
        switch request {
        case .version:
            let version = VersionInfo(version: droverVersion, pid: getpid(), name: configuration.name)
            client.send(ControlReply.success(version).line)
        case .help:
            client.send(ControlReply.success(VerbList(verbs: ControlRequest.usage)).line)
        case .status(let pool):
            var snapshot = statusWithMemory()
            if let pool {
                snapshot.pools = snapshot.pools.filter { $0.name == pool }
                guard !snapshot.pools.isEmpty else {
                    client.send(noSuchPool(pool).replyLine)
                    return
                }
            }
            client.send(ControlReply.success(snapshot).line)
        case .config:
            client.send(ControlReply.success(configuration.controlReport).line)
        case .reopenLogs:
            submit(.reopenLogs, from: client)
        case .events:
            client.subscribed = true
            client.sendEvent(ControlEvent(.subscribed(pid: getpid()), time: nil).line)
        case .scale(let pool, let amount, let allowZero):
            submit(.scale(pool: pool, ScaleChange(amount, allowZero: allowZero)), from: client)
        case .reload: submit(.reload, from: client)
        case .restart(let pool): submit(.restart(pool: pool), from: client)
        case .stop(let mode): submit(.stop(mode), from: client)
        }
    }

    private func submit(_ command: Command, from client: ControlClient) {
        client.pending += 1
        feed(.command(command, from: .client(client.id)))
    }

    private func noSuchPool(_ name: String) -> ControlError {
        let known = supervisor.status(at: now).pools.map(\.name).joined(separator: ", ")
        return ControlError(.noSuchPool, "no pool named '\(name)' (pools: \(known))")
    }

    /// The core's answer to a client's operation.
    func reply(to id: UInt64, _ result: Result<CommandOutcome, CommandFailure>) {
        guard let client = controlClients[id] else { return }
        client.pending = max(0, client.pending - 1)
        switch result {
        case .success(.scaled(let pool, let workers, let ready)):
            client.send(ControlReply.success(ScaleResult(pool: pool, workers: workers, ready: ready)).line)
        case .success(.rolledOut(let outcomes)):
            client.send(ControlReply.success(RolloutResult(pools: outcomes)).line)
        case .success(.stopped):
            client.send(ControlReply.success(StopResult()).line)
        case .success(.reopened):
            client.send(ControlReply.success(ReopenResult()).line)
        case .failure(let failure):
            client.send(ControlError(failure.code, failure.message, pools: failure.outcomes).replyLine)
        }
    }

    /// Tells `events` subscribers, and clients waiting for an operation, what happened.
    func broadcast(_ notice: Notice) {
        guard controlClients.values.contains(where: \.wantsNotices) else { return }
        let line = notice.event.line
        for client in controlClients.values where client.wantsNotices && !client.sendEvent(line) {
            logger.warning("Dropped control client \(client.id): it stopped reading events")
        }
    }

    /// Completes once droverd's clients have read what it wrote them, or stopped reading (see
    /// ``ControlDrain``): droverd waits for it before leaving, so the last answers (`stop`'s above
    /// all) are not lost when the process exits.
    func controlClientsDrained() -> EventLoopFuture<Void> {
        let done = loop.makePromise(of: Void.self)
        drain(ControlDrain(at: .now()), done)
        return done.futureResult
    }

    private func drain(_ state: ControlDrain, _ done: EventLoopPromise<Void>) {
        var state = state
        guard !state.done(buffered: controlClients.values.reduce(0) { $0 + $1.unsentBytes }, at: .now()) else {
            return done.succeed()
        }
        loop.scheduleTask(in: ControlDrain.interval) { [self, state] in self.drain(state, done) }
    }

    /// `status` with each worker's resident memory (from /proc), and the pools' templates.
    func statusWithMemory() -> StatusSnapshot {
        var snapshot = supervisor.status(at: now)
        let pageSize = UInt64(sysconf(Int32(_SC_PAGESIZE)))
        let templates = templateProcesses.values.sorted { $0.key < $1.key }
        for p in snapshot.pools.indices {
            snapshot.pools[p].templates = templates.filter { $0.key.pool == snapshot.pools[p].name }.map(\.status)
            for w in snapshot.pools[p].workers.indices {
                guard let pid = snapshot.pools[p].workers[w].pid, let pages = Self.residentPages(pid) else { continue }
                snapshot.pools[p].workers[w].rssBytes = pages * pageSize
            }
        }
        return snapshot
    }

    /// The second field of `/proc/PID/statm`, read into a small buffer (status reads it for every
    /// worker: a thousand of them should cost a thousand small reads, nothing more).
    private static func residentPages(_ pid: Int32) -> UInt64? {
        let fd = open("/proc/\(pid)/statm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { buffer -> UInt64? in
            let count = read(fd, buffer.baseAddress, buffer.count)
            guard count > 0 else { return nil }
            let fields = buffer[..<count].split(separator: UInt8(ascii: " "), maxSplits: 2)
            guard fields.count > 1 else { return nil }
            return UInt64(String(decoding: fields[1], as: UTF8.self))
        }
    }
}
