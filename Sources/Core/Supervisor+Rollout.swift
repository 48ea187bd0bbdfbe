//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

// MARK: - Reload, restart, surge rollouts

extension Supervisor {
    /// Runs a reload or restart now, or merges it into the queued one of its kind.
    mutating func enqueue(_ kind: Operation.Kind, from requester: Requester) {
        guard !isShuttingDown else {
            reply(requester, .failure(stoppingFailure))
            return
        }
        guard operation != nil else {
            begin(Operation(id: takeOperationID(), kind: kind, requesters: [requester]))
            return
        }
        if let i = queuedOperations.firstIndex(where: { $0.kind == .reload }) {
            // A queued reload restarts every pool anyway.
            queuedOperations[i].requesters.append(requester)
        } else if let i = queuedOperations.firstIndex(where: { $0.kind != .reload }) {
            if kind == .reload || queuedOperations[i].kind != kind {
                queuedOperations[i].kind = kind == .reload ? .reload : .restart(pool: nil)
            }
            queuedOperations[i].requesters.append(requester)
        } else {
            queuedOperations.append(Operation(id: takeOperationID(), kind: kind, requesters: [requester]))
        }
    }

    private mutating func takeOperationID() -> UInt64 {
        defer { nextOperationID += 1 }
        return nextOperationID
    }

    private mutating func begin(_ new: Operation) {
        operation = new
        switch new.kind {
        case .reload:
            operation!.loading = true
            notice(.reloadStarted)
            emit(.notifySystemd(.reloading))
            let boot = pools.map(\.configuration.bootTimeout).max() ?? .zero
            emit(.notifySystemd(.extendTimeout(boot + .seconds(5))))
            emit(.loadConfiguration(new.id))
        case .restart(let name):
            let names = name.map { [$0] } ?? pools.filter { !$0.removing }.map(\.name)
            // Every pool is pending before any rollout starts, so none can finish the operation early.
            operation!.pendingPools = Set(names)
            for name in names {
                guard let p = poolIndex(named: name) else { continue }
                startRollout(pool: p, to: pools[p].configuration, isNew: false)
            }
            operationProgress()
        }
    }

    mutating func configurationLoaded(_ id: UInt64, _ result: Result<[PoolConfiguration], ConfigurationError>) {
        guard let current = operation, current.id == id, current.loading else { return }
        operation!.loading = false
        switch result {
        case .failure(let error):
            finishOperation(failure: CommandFailure(code: .configInvalid, message: error.message))
        case .success(let configurations):
            apply(configurations)
            operationProgress()
        }
    }

    /// Rolls every pool of a new configuration out; removes pools it no longer has.
    private mutating func apply(_ configurations: [PoolConfiguration]) {
        let names = Set(configurations.map(\.name))
        operation?.pendingPools = names
        for name in pools.filter({ !$0.removing && !names.contains($0.name) }).map(\.name) {
            if let p = poolIndex(named: name) { removePool(p) }
        }
        for configuration in configurations {
            if let p = poolIndex(named: configuration.name) {
                let isNew = pools[p].removing
                pools[p].removing = false
                startRollout(pool: p, to: configuration, isNew: isNew)
            } else {
                pools.append(Pool(configuration: configuration, generation: 0))
                pools[pools.count - 1].slots = []
                notice(.poolAdded(pool: configuration.name))
                startRollout(pool: pools.count - 1, to: configuration, isNew: true)
            }
        }
    }

    mutating func startRollout(pool p: Int, to configuration: PoolConfiguration, isNew: Bool) {
        let generation = pools[p].nextGeneration
        pools[p].nextGeneration += 1
        let previous = isNew ? nil : pools[p].configuration
        // A size changed at run time survives a reload unless the configuration changes the size.
        let keepsSize = previous.map { $0.workers == configuration.workers } == true
        let size = keepsSize ? pools[p].slots.count : configuration.workers
        if !keepsSize { pools[p].pinned = false }
        pools[p].rollout = Rollout(
            generation: generation,
            previous: previous,
            previousSize: pools[p].slots.count,
            startedAt: now
        )
        // New code or configuration: slots waiting out a backoff try again at once.
        for s in pools[p].slots.indices {
            try? pools[p].slots[s].state.stopWaiting()
            pools[p].slots[s].failures = 0
        }
        pools[p].configuration = configuration
        notice(.rolloutStarted(pool: pools[p].name, from: pools[p].generation, to: generation))
        resize(pool: p, to: size)
        continueRollout(pool: p)
    }

    /// Starts new-generation workers up to the surge limit; finishes when every slot serves the new generation.
    mutating func continueRollout(pool p: Int) {
        guard let rollout = pools[p].rollout, !isStopping else { return }
        // The surge counts workers started next to a serving one; an empty slot is refilled regardless.
        let surging = pools[p].slots.filter {
            switch $0.state {
            case .replacing, .recycling: true
            case .empty, .waiting, .serving, .incoming: false
            }
        }.count
        var budget = (pools[p].configuration.maxSurge ?? pools[p].slots.count) - surging
        for s in pools[p].slots.indices {
            switch pools[p].slots[s].state {
            case .empty:
                spawn(pool: p, slot: s)
            case .serving(let id):
                guard budget > 0, workers[id]?.generation != rollout.generation else { continue }
                budget -= 1
                spawn(pool: p, slot: s)
            case .waiting, .replacing, .incoming, .recycling:
                continue  // a recycle under way finishes first; the rollout replaces its worker then
            }
        }
        let done = pools[p].slots.allSatisfy { slot in
            guard case .serving(let id) = slot.state, let worker = workers[id] else { return false }
            return worker.generation == rollout.generation && worker.state == .ready
        }
        if done { finishRollout(pool: p) }
    }

    private mutating func finishRollout(pool p: Int) {
        guard let rollout = pools[p].rollout else { return }
        pools[p].rollout = nil
        pools[p].generation = rollout.generation
        let duration = now - rollout.startedAt
        notice(.rolloutFinished(pool: pools[p].name, generation: rollout.generation, duration: duration))
        let outcome = RolloutOutcome(
            pool: pools[p].name,
            generation: rollout.generation,
            failure: nil,
            duration: duration
        )
        poolRolloutEnded(outcome)
    }

    /// Stops the new generation and keeps the old one serving.
    mutating func failRollout(pool p: Int, reason: String) {
        guard let rollout = pools[p].rollout else { return }
        let name = pools[p].name
        pools[p].rollout = nil
        notice(.rolloutFailed(pool: name, generation: rollout.generation, reason: reason))
        for s in pools[p].slots.indices {
            guard let id = pools[p].slots[s].state.incoming else { continue }
            _ = try? pools[p].slots[s].state.left(id)
            retire(id, pool: p, reason: .rolledBack)
        }
        let outcome = RolloutOutcome(
            pool: name,
            generation: pools[p].generation,
            failure: reason,
            duration: now - rollout.startedAt
        )
        if let previous = rollout.previous {
            pools[p].configuration = previous
            resize(pool: p, to: rollout.previousSize)
        } else {
            removePool(p)
        }
        poolRolloutEnded(outcome)
    }

    private mutating func poolRolloutEnded(_ outcome: RolloutOutcome) {
        guard operation?.pendingPools.remove(outcome.pool) != nil else { return }
        operation!.outcomes.append(outcome)
        operationProgress()
    }

    private mutating func operationProgress() {
        guard let current = operation, !current.loading, current.pendingPools.isEmpty else { return }
        finishOperation(failure: nil)
    }

    private mutating func finishOperation(failure: CommandFailure?) {
        guard let finished = operation else { return }
        operation = nil
        let failed = finished.outcomes.filter { $0.failure != nil }
        let result: Result<CommandOutcome, CommandFailure>
        if let failure {
            result = .failure(failure)
        } else if !failed.isEmpty {
            let message = failed.map { "\($0.pool): \($0.failure!)" }.joined(separator: "; ")
            result = .failure(CommandFailure(code: .rolloutFailed, message: message, outcomes: finished.outcomes))
        } else {
            result = .success(.rolledOut(finished.outcomes))
        }
        for requester in finished.requesters { reply(requester, result) }
        if finished.kind == .reload {
            if case .failure(let error) = result {
                notice(.reloadFinished(failure: error.message))
            } else {
                notice(.reloadFinished(failure: nil))
            }
            emit(.retainListeners(configurations.flatMap(\.binds)))
            if phase == .running { emit(.notifySystemd(.ready)) }
        }
        if !isShuttingDown, !queuedOperations.isEmpty { begin(queuedOperations.removeFirst()) }
    }

    /// Fails the running and queued operations (droverd is stopping).
    mutating func abandonOperations() {
        let abandoned = (operation.map { [$0] } ?? []) + queuedOperations
        operation = nil
        queuedOperations = []
        let failure = CommandFailure(code: .stopping, message: "droverd is stopping")
        for requester in abandoned.flatMap(\.requesters) { reply(requester, .failure(failure)) }
        for p in pools.indices { pools[p].rollout = nil }
    }

    /// Retires every worker of a pool; it disappears once they have exited.
    mutating func removePool(_ p: Int) {
        pools[p].removing = true
        pools[p].rollout = nil
        resize(pool: p, to: 0, reason: .poolRemoved)
        removePoolIfEmpty(p)
    }

    /// Adds empty slots or retires the highest ones (their workers stop gracefully).
    /// New slots are filled by the rollout, or spawned here when there is none.
    mutating func resize(pool p: Int, to size: Int, reason: StopReason = .scaledDown) {
        while pools[p].slots.count > size {
            let slot = pools[p].slots.removeLast()
            for id in [slot.state.incoming, slot.state.replacement, slot.state.current].compactMap({ $0 }) {
                retire(id, pool: p, reason: reason)
            }
        }
        while pools[p].slots.count < size { pools[p].slots.append(Slot()) }
        if pools[p].rollout == nil {
            for s in pools[p].slots.indices where pools[p].slots[s].state == .empty { spawn(pool: p, slot: s) }
        }
    }

    mutating func reply(_ requester: Requester, _ result: Result<CommandOutcome, CommandFailure>) {
        guard case .client(let client) = requester else { return }
        emit(.reply(to: client, result))
    }
}
