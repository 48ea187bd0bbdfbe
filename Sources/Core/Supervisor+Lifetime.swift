//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

// MARK: - Lifetime recycling, surge-first

extension WorkerID {
    /// This worker's share of a `lifetime_jitter` of `jitter`: a point in [0, jitter] derived from
    /// the id alone (splitmix64, so consecutive ids spread), the same every time it is asked.
    func lifetimeJitter(upTo jitter: Duration) -> Duration {
        guard jitter > .zero else { return .zero }
        var z = rawValue &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let fraction = Double(z >> 11) / Double(UInt64(1) << 53)  // [0, 1)
        let span = Double(jitter.components.seconds) + Double(jitter.components.attoseconds) * 1e-18
        return .nanoseconds(Int64((span * fraction * 1e9).rounded(.down)))
    }
}

extension Supervisor {
    /// When a worker that became ready now is recycled, if its pool has a lifetime limit.
    func recycleTime(_ worker: Worker) -> Instant? {
        guard let lifetime = worker.configuration.maxWorkerLifetime else { return nil }
        return now + lifetime + worker.id.lifetimeJitter(upTo: worker.configuration.lifetimeJitter)
    }

    /// How many recycles a pool may run at once: `max_surge`, 1 when it is not set.
    private func recycleBudget(_ pool: Pool) -> Int {
        max(pool.configuration.maxSurge ?? 1, 1)
    }

    /// Starts the replacement of every ready worker whose lifetime is up, the longest overdue first,
    /// at most the pool's budget at a time; none while droverd starts or stops, nor in a pool that
    /// rolls out (the rollout replaces its workers anyway) or is being removed. A worker left due
    /// waits for the next event that may free the budget (a recycle ending, a rollout ending).
    mutating func startDueRecycles() {
        guard phase == .running else { return }
        for p in pools.indices where pools[p].rollout == nil && !pools[p].removing {
            let running = pools[p].slots.filter { $0.state.replacement != nil }.count
            var budget = recycleBudget(pools[p]) - running
            guard budget > 0 else { continue }
            let due = pools[p].slots.indices.compactMap { s -> (at: Instant, slot: Int, id: WorkerID)? in
                guard case .serving(let id) = pools[p].slots[s].state, let worker = workers[id],
                    worker.state == .ready, let at = worker.recycleAt, at <= now
                else { return nil }
                return (at, s, id)
            }.sorted { ($0.at, $0.slot) < ($1.at, $1.slot) }
            for candidate in due where budget > 0 {
                budget -= 1
                startRecycle(pool: p, slot: candidate.slot, worker: candidate.id)
            }
        }
    }

    /// Spawns the replacement of `id` in its slot, with its generation and configuration.
    private mutating func startRecycle(pool p: Int, slot s: Int, worker id: WorkerID) {
        guard let old = workers[id] else { return }
        workers[id]!.recycleAt = nil
        spawn(pool: p, slot: s, replacing: old)
    }

    /// A recycle's replacement is ready: it takes the slot, and the worker it replaces is retired
    /// (stop reason `lifetime`, or `recycled` for a request limit).
    mutating func replacementReady(_ id: WorkerID, pool p: Int, slot s: Int) {
        guard let old = try? pools[p].slots[s].state.replacementReady(id) else { return }
        retire(old, pool: p, reason: workers[old]?.recycleReason ?? .lifetime)
        if pools[p].rollout != nil { continueRollout(pool: p) }
    }

    /// A recycle's replacement ended before it was ready (it exited, or missed its boot timeout): the
    /// current worker keeps serving, and the recycle is tried again after the slot's backoff (never
    /// less than the shortest one). It is no rollout failure.
    mutating func replacementFailed(pool p: Int, slot s: Int) {
        pools[p].slots[s].failures += 1
        let failures = pools[p].slots[s].failures
        let delay = max(policy.backoff(afterFailures: failures), policy.backoffBase)
        guard let current = pools[p].slots[s].state.current, workers[current]?.state == .ready else { return }
        workers[current]!.recycleAt = now + delay
        notice(.respawnScheduled(pool: pools[p].name, slot: s, after: delay, failures: failures))
    }

    /// A memory sample: over the limit `samples` times in a row, the worker is recycled like a
    /// lifetime recycle (surge first, its slot, at most max_surge per pool), stop reason `memory`.
    mutating func memorySampled(_ id: WorkerID, bytes: UInt64?) {
        guard var worker = workers[id], worker.state == .ready, let limit = worker.configuration.memoryLimit else {
            return
        }
        worker.nextMemorySample = now + limit.interval
        if let bytes {
            worker.lastMemory = bytes
            if limit.bytes > 0 {
                worker.samplesOverMemory = bytes > limit.bytes ? worker.samplesOverMemory + 1 : 0
            }
        }
        if limit.bytes > 0, worker.samplesOverMemory >= limit.samples, worker.recycleReason != .memory,
            worker.recycleAt.map({ $0 > now }) ?? true
        {
            worker.recycleReason = .memory
            worker.recycleAt = now
            worker.nextMemorySample = nil  // its replacement is under way
        }
        workers[id] = worker
        if let p = poolIndex(named: worker.pool) { checkPoolMemory(p, limit: limit) }
    }

    /// `pool_memory_limit`, after each sample: while the sum of the pool's ready workers' last
    /// samples has been over the limit for ``MemoryLimit/poolWindow``, and no recycle of the pool is
    /// pending or running, its largest worker is recycled surge first (stop reason `poolMemory`); the
    /// window starts again after that, so the next one waits for a fresh reading of the smaller pool.
    mutating func checkPoolMemory(_ p: Int, limit: MemoryLimit) {
        guard let poolBytes = limit.poolBytes else { return }
        let ready = workers.values.filter { $0.pool == pools[p].name && $0.state == .ready }
        let total = ready.reduce(UInt64(0)) { $0 + ($1.lastMemory ?? 0) }
        guard total > poolBytes else {
            pools[p].memoryOverSince = nil
            return
        }
        let since = pools[p].memoryOverSince ?? now
        pools[p].memoryOverSince = since
        let busy =
            pools[p].slots.contains { $0.state.replacement != nil }
            || ready.contains { $0.recycleAt.map { $0 <= now } ?? false }
        guard now - since >= limit.poolWindow, !busy,
            let largest = ready.max(by: { ($0.lastMemory ?? 0, $1.id) < ($1.lastMemory ?? 0, $0.id) })
        else { return }
        workers[largest.id]!.recycleReason = .poolMemory
        workers[largest.id]!.recycleAt = now
        pools[p].memoryOverSince = nil
    }

    /// `memory_pressure`: the largest ready worker is recycled surge first (stop reason `pressure`),
    /// unless a pressure recycle is already pending or running (one at a time: each replacement
    /// costs memory too, and the next signal comes if the pressure stays).
    mutating func memoryPressure(_ sizes: [WorkerID: UInt64]) {
        guard phase == .running else { return }
        let pending = workers.values.contains { $0.recycleReason == .pressure && $0.state != .stopping }
        guard !pending else { return }
        let candidates = sizes.filter { id, _ in
            guard let worker = workers[id], worker.state == .ready, worker.configuration.memoryPressure else {
                return false
            }
            return worker.recycleAt.map { $0 > now } ?? true
        }
        guard let (id, bytes) = candidates.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }) else { return }
        workers[id]!.recycleReason = .pressure
        workers[id]!.recycleAt = now
        notice(.memoryPressure(workers[id]!.reference, bytes: bytes))
    }

    /// The earliest recycle still to come (a due one waits for its budget, which frees on an event).
    var nextRecycle: Instant? {
        var earliest: Instant?
        for worker in workers.values {
            guard let at = worker.recycleAt, at > now, worker.state == .ready else { continue }
            if earliest.map({ at < $0 }) ?? true { earliest = at }
        }
        return earliest
    }
}
