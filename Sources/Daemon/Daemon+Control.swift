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
            client.send(ControlReply.failure(error))
            return
        }
        switch request {
        case .version:
            client.send(
                ControlReply.success(
                    .object([
                        ("version", .string(droverVersion)), ("pid", .int(Int(getpid()))),
                        ("name", .string(configuration.name)),
                    ])
                )
            )
        case .help:
            let verbs = ControlRequest.usage.map { usage in
                JSONValue.object([
                    ("verb", .string(usage.verb)), ("arguments", .string(usage.arguments)),
                    ("meaning", .string(usage.meaning)),
                ])
            }
            client.send(ControlReply.success(.object([("verbs", .array(verbs))])))
        case .status(let pool):
            var snapshot = statusWithMemory()
            if let pool {
                snapshot.pools = snapshot.pools.filter { $0.name == pool }
                guard !snapshot.pools.isEmpty else {
                    client.send(ControlReply.failure(noSuchPool(pool)))
                    return
                }
            }
            client.send(ControlReply.success(snapshot.json))
        case .config:
            client.send(ControlReply.success(configuration.report))
        case .reopenLogs:
            reopenLogs()
            client.send(ControlReply.success(.object([("reopened", .bool(true))])))
        case .events:
            client.subscribed = true
            client.send(JSONValue.object([("event", .string("subscribed")), ("pid", .int(Int(getpid())))]).compact)
        case .scale(let pool, let amount, let allowZero):
            let change: ScaleChange
            switch amount {
            case .to(let count): change = ScaleChange(.to(count), allowZero: allowZero)
            case .by(let delta): change = ScaleChange(.by(delta), allowZero: allowZero)
            }
            submit(.scale(pool: pool, change), from: client)
        case .reload: submit(.reload, from: client)
        case .restart(let pool): submit(.restart(pool: pool), from: client)
        case .stop(let fast): submit(.stop(fast ? .quick : .graceful), from: client)
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
    func controlReply(to id: UInt64, _ result: Result<CommandOutcome, CommandFailure>) {
        guard let client = controlClients[id] else { return }
        client.pending = max(0, client.pending - 1)
        switch result {
        case .success(let outcome):
            client.send(ControlReply.success(Self.json(outcome)))
        case .failure(let failure):
            let details: [(String, JSONValue)] =
                failure.outcomes.isEmpty ? [] : [("pools", .array(failure.outcomes.map(Self.json)))]
            client.send(
                ControlReply.failure(ControlError(code: failure.code, message: failure.message), details: details)
            )
        }
    }

    /// Tells `events` subscribers, and clients waiting for an operation, what happened.
    func broadcast(_ notice: Notice) {
        guard controlClients.values.contains(where: \.wantsNotices) else { return }
        let line = notice.event.compact
        for client in controlClients.values where client.wantsNotices && !client.send(line) {
            logger.warning("Dropped control client \(client.id): it stopped reading events")
        }
    }

    /// `status` with each worker's resident memory (from /proc).
    func statusWithMemory() -> StatusSnapshot {
        var snapshot = supervisor.status(at: now)
        let pageSize = UInt64(sysconf(Int32(_SC_PAGESIZE)))
        for p in snapshot.pools.indices {
            for w in snapshot.pools[p].workers.indices {
                guard let pid = snapshot.pools[p].workers[w].pid, let statm = readTextFile("/proc/\(pid)/statm") else {
                    continue
                }
                let fields = statm.split(separator: " ")
                if fields.count > 1, let pages = UInt64(fields[1]) {
                    snapshot.pools[p].workers[w].rssBytes = pages * pageSize
                }
            }
        }
        return snapshot
    }

    private static func json(_ outcome: CommandOutcome) -> JSONValue {
        switch outcome {
        case .scaled(let pool, let workers, let ready):
            .object([("pool", .string(pool)), ("workers", .int(workers)), ("ready", .int(ready))])
        case .rolledOut(let outcomes): .object([("pools", .array(outcomes.map(json)))])
        case .stopped: .object([("stopped", .bool(true))])
        }
    }

    private static func json(_ outcome: RolloutOutcome) -> JSONValue {
        .object([
            ("pool", .string(outcome.pool)), ("generation", .int(outcome.generation)),
            ("ok", .bool(outcome.failure == nil)), ("error", outcome.failure.map(JSONValue.string) ?? .null),
            ("duration_s", .double((outcome.duration.seconds * 1000).rounded() / 1000)),
        ])
    }
}
