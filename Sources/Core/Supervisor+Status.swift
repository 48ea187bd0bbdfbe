//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

// MARK: - Status

extension Supervisor {
    /// Every pool and worker as `status` shows them.
    public func status(at now: Instant) -> StatusSnapshot {
        StatusSnapshot(
            pools: pools.map { poolStatus($0, now: now) },
            stoppingInSeconds: shutdownDelayLeft(at: now)?.seconds
        )
    }

    private func poolStatus(_ pool: Pool, now: Instant) -> PoolStatus {
        var entries: [WorkerStatus] = []
        var running = 0
        for (index, slot) in pool.slots.enumerated() {
            var shown = false
            for id in slot.state.workers {
                guard let worker = workers[id] else { continue }
                running += 1
                shown = true
                entries.append(workerStatus(worker, slot: slot, now: now))
            }
            if !shown {
                let generation = pool.rollout?.generation ?? pool.generation
                entries.append(
                    WorkerStatus(
                        pid: nil,
                        slot: index,
                        generation: generation,
                        state: slot.state.retryAt == nil ? .starting : .backoff,
                        ageSeconds: 0,
                        restarts: slot.restarts,
                        lastExit: exitText(slot),
                        stderrTail: slot.lastTail,
                        retryInSeconds: slot.state.retryAt.map { ($0 - now).seconds }
                    )
                )
            }
        }
        for id in pool.retiring {
            guard let worker = workers[id] else { continue }
            running += 1
            entries.append(workerStatus(worker, slot: nil, now: now))
        }
        let ready = readyCount(pool)
        let state: PoolStatus.State
        if isShuttingDown {
            state = .stopping
        } else if pool.removing {
            state = .removing
        } else if pool.rollout != nil {
            state = .rolling
        } else if ready >= pool.slots.count {
            state = .running
        } else if phase == .starting || !pool.everReady {
            state = .starting
        } else if pool.slots.contains(where: { $0.state.retryAt != nil }) {
            state = .backoff
        } else {
            state = .degraded
        }
        return PoolStatus(
            name: pool.name,
            state: state,
            desired: pool.slots.count,
            running: running,
            ready: ready,
            generation: pool.generation,
            rollingOutTo: pool.rollout?.generation,
            serving: isServing(pool),
            workers: entries
        )
    }

    private func workerStatus(_ worker: Worker, slot: Slot?, now: Instant) -> WorkerStatus {
        let failing = slot.map { $0.failures > 0 } ?? false
        return WorkerStatus(
            pid: worker.pid,
            slot: worker.slot,
            generation: worker.generation,
            state: worker.state.reported,
            ageSeconds: (now - worker.spawnedAt).seconds,
            restarts: slot?.restarts ?? 0,
            lastExit: slot.flatMap(exitText),
            stderrTail: failing ? (worker.tail.lines.isEmpty ? slot!.lastTail : worker.tail.lines) : [],
            statusText: worker.statusText ?? notReadyText(worker)
        )
    }

    /// A starting worker's last bad `ready_probe` answer.
    private func notReadyText(_ worker: Worker) -> String? {
        guard case .starting(_, _, let probe) = worker.phase, let answer = probe.lastAnswer else { return nil }
        return "not ready: \(answer)"
    }

    private func exitText(_ slot: Slot) -> String? {
        switch (slot.lastExit, slot.lastExitReason) {
        case (let status?, let reason?): "\(status) (\(reason))"
        case (let status?, nil): status.description
        case (nil, let reason?): reason
        case (nil, nil): nil
        }
    }
}
