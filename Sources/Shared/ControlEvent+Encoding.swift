//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension ControlEvent.Kind {
    typealias Container = KeyedEncodingContainer<ControlEvent.Field>

    /// Writes `event` and the kind's fields, in the documented order.
    func encode(to container: inout Container, encoder: any Encoder) throws {
        try container.encode(name, forKey: .event)
        switch self {
        case .subscribed(let pid): try container.encode(pid, forKey: .pid)
        case .workerSpawned(let worker), .workerKilled(let worker): try Self.encode(worker, to: &container)
        case .memoryPressure(let worker, let bytes):
            try Self.encode(worker, to: &container)
            try container.encode(bytes, forKey: .bytes)
        case .workerReady(let worker, let boot):
            try Self.encode(worker, to: &container)
            try container.encode(seconds: boot, forKey: .bootSeconds)
        case .workerStopping(let worker, let reason):
            try Self.encode(worker, to: &container)
            try container.encode(reason, forKey: .reason)
        case .workerTimeout(let worker, let reason, let after):
            try Self.encode(worker, to: &container)
            try container.encode(reason, forKey: .reason)
            try container.encode(seconds: after, forKey: .afterSeconds)
        case .workerExited(let worker, let status, let failed):
            try Self.encode(worker, to: &container)
            try container.encode(status, forKey: .status)
            try container.encode(failed, forKey: .failed)
        case .spawnFailed(let worker, let error):
            try Self.encode(worker, to: &container)
            try container.encode(error, forKey: .error)
        case .respawnScheduled(let pool, let slot, let after, let failures):
            try container.encode(pool, forKey: .pool)
            try container.encode(slot, forKey: .slot)
            try container.encode(seconds: after, forKey: .afterSeconds)
            try container.encode(failures, forKey: .failures)
        case .orphanReaped(let pid, let status):
            try container.encode(pid, forKey: .pid)
            try container.encode(status, forKey: .status)
        case .started, .reloadStarted: break
        case .startupFailed(let pool, let reason):
            try container.encode(pool, forKey: .pool)
            try container.encode(reason, forKey: .reason)
        case .probeFailed(let worker, let answer):
            try Self.encode(worker, to: &container)
            try container.encode(answer, forKey: .answer)
        case .appLoadFailed(let worker, let summary, let traceback, let sameAs):
            try Self.encode(worker, to: &container)
            try container.encode(summary, forKey: .summary)
            try container.encode(traceback, forKey: .traceback)
            try container.encode(sameAs, forKey: .sameAsPID)
        case .hookFailed(let hook, let reason, let fatal):
            try container.encode(hook, forKey: .hook)
            try container.encode(reason, forKey: .reason)
            try container.encode(fatal, forKey: .fatal)
        case .scaled(let pool, let from, let to), .rolloutStarted(let pool, let from, let to):
            try container.encode(pool, forKey: .pool)
            try container.encode(from, forKey: .from)
            try container.encode(to, forKey: .to)
        case .cpuBudgetChanged(let from, let to, let reason):
            try container.encode(reason, forKey: .reason)
            try container.encode(from, forKey: .from)
            try container.encode(to, forKey: .to)
        case .rolloutFinished(let pool, let generation, let duration):
            try container.encode(pool, forKey: .pool)
            try container.encode(generation, forKey: .generation)
            try container.encode(seconds: duration, forKey: .durationSeconds)
        case .rolloutFailed(let pool, let generation, let reason):
            try container.encode(pool, forKey: .pool)
            try container.encode(generation, forKey: .generation)
            try container.encode(reason, forKey: .reason)
        case .filesChanged(let files): try container.encode(files, forKey: .files)
        case .reloadFinished(let error):
            try container.encode(error == nil, forKey: .ok)
            if let error { try container.encode(error, forKey: .error) }
        case .poolAdded(let pool), .poolRemoved(let pool): try container.encode(pool, forKey: .pool)
        case .shutdownDelay(let after): try container.encode(seconds: after, forKey: .afterSeconds)
        case .shutdownDelaySkipped(let left): try container.encode(seconds: left, forKey: .leftSeconds)
        case .stopping(let mode): try container.encode(mode, forKey: .mode)
        case .eventsDropped(let count): try container.encode(count, forKey: .count)
        case .unknown(_, let fields):
            var members = encoder.container(keyedBy: ProtocolKey.self)
            for (key, value) in fields.objectValue ?? [] { try members.encode(value, forKey: ProtocolKey(key)) }
        }
    }

    private static func encode(_ worker: EventWorker, to container: inout Container) throws {
        try container.encode(worker.pool, forKey: .pool)
        try container.encode(worker.pid, forKey: .pid)
        try container.encode(worker.slot, forKey: .slot)
        try container.encode(worker.generation, forKey: .generation)
    }
}
