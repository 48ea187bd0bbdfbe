//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension ControlEvent.Kind {
    /// Reads `event` and the fields of its kind; an unknown name keeps every field but `event` and `time`.
    init(from container: KeyedDecodingContainer<ControlEvent.Field>, decoder: any Decoder) throws {
        let name = try container.decode(String.self, forKey: .event)
        guard let known = Name(rawValue: name) else {
            let members = try decoder.container(keyedBy: ProtocolKey.self)
            let skipped = [ControlEvent.Field.event.stringValue, ControlEvent.Field.time.stringValue]
            self = .unknown(
                name: name,
                fields: .object(
                    try members.allKeys.filter { !skipped.contains($0.stringValue) }.map {
                        ($0.stringValue, try members.decode(JSONValue.self, forKey: $0))
                    }
                )
            )
            return
        }
        func string(_ field: ControlEvent.Field) throws -> String { try container.decode(String.self, forKey: field) }
        func int(_ field: ControlEvent.Field) throws -> Int { try container.decode(Int.self, forKey: field) }
        func seconds(_ field: ControlEvent.Field) throws -> Double { try container.decode(Double.self, forKey: field) }
        func worker() throws -> EventWorker {
            EventWorker(
                pool: try string(.pool),
                pid: try container.decodeIfPresent(Int32.self, forKey: .pid),
                slot: try int(.slot),
                generation: try int(.generation)
            )
        }
        switch known {
        case .subscribed: self = .subscribed(pid: try container.decode(Int32.self, forKey: .pid))
        case .workerSpawned: self = .workerSpawned(try worker())
        case .workerReady: self = .workerReady(try worker(), bootSeconds: try seconds(.bootSeconds))
        case .workerStopping: self = .workerStopping(try worker(), reason: try string(.reason))
        case .workerTimeout:
            self = .workerTimeout(try worker(), reason: try string(.reason), afterSeconds: try seconds(.afterSeconds))
        case .workerKilled: self = .workerKilled(try worker())
        case .memoryPressure:
            self = .memoryPressure(try worker(), bytes: try container.decode(UInt64.self, forKey: .bytes))
        case .workerExited:
            self = .workerExited(
                try worker(),
                status: try string(.status),
                failed: try container.decode(Bool.self, forKey: .failed)
            )
        case .spawnFailed: self = .spawnFailed(try worker(), error: try string(.error))
        case .respawnScheduled:
            self = .respawnScheduled(
                pool: try string(.pool),
                slot: try int(.slot),
                afterSeconds: try seconds(.afterSeconds),
                failures: try int(.failures)
            )
        case .orphanReaped:
            self = .orphanReaped(pid: try container.decode(Int32.self, forKey: .pid), status: try string(.status))
        case .started: self = .started
        case .startupFailed: self = .startupFailed(pool: try string(.pool), reason: try string(.reason))
        case .probeFailed: self = .probeFailed(try worker(), answer: try string(.answer))
        case .appLoadFailed:
            self = .appLoadFailed(
                try worker(),
                summary: try string(.summary),
                traceback: try container.decodeIfPresent([String].self, forKey: .traceback),
                sameAsPID: try container.decodeIfPresent(Int32.self, forKey: .sameAsPID)
            )
        case .hookFailed:
            self = .hookFailed(
                hook: try string(.hook),
                reason: try string(.reason),
                fatal: try container.decode(Bool.self, forKey: .fatal)
            )
        case .scaled: self = .scaled(pool: try string(.pool), from: try int(.from), to: try int(.to))
        case .cpuBudgetChanged:
            self = .cpuBudgetChanged(from: try int(.from), to: try int(.to), reason: try string(.reason))
        case .rolloutStarted: self = .rolloutStarted(pool: try string(.pool), from: try int(.from), to: try int(.to))
        case .rolloutFinished:
            self = .rolloutFinished(
                pool: try string(.pool),
                generation: try int(.generation),
                durationSeconds: try seconds(.durationSeconds)
            )
        case .rolloutFailed:
            self = .rolloutFailed(
                pool: try string(.pool),
                generation: try int(.generation),
                reason: try string(.reason)
            )
        case .reloadStarted: self = .reloadStarted
        case .filesChanged: self = .filesChanged(files: try container.decode([String].self, forKey: .files))
        case .reloadFinished:
            let ok = try container.decode(Bool.self, forKey: .ok)
            let error = try container.decodeIfPresent(String.self, forKey: .error)
            self = .reloadFinished(error: ok ? nil : error ?? "failed")
        case .poolAdded: self = .poolAdded(pool: try string(.pool))
        case .poolRemoved: self = .poolRemoved(pool: try string(.pool))
        case .shutdownDelay: self = .shutdownDelay(afterSeconds: try seconds(.afterSeconds))
        case .shutdownDelaySkipped: self = .shutdownDelaySkipped(leftSeconds: try seconds(.leftSeconds))
        case .stopping: self = .stopping(try container.decode(StopMode.self, forKey: .mode))
        case .eventsDropped: self = .eventsDropped(count: try int(.count))
        }
    }
}
