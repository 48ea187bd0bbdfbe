//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

// MARK: - Commands: scale, reload, restart, stop

extension Supervisor {
    mutating func run(_ command: Command, from requester: Requester) {
        switch command {
        case .scale(let pool, let change): scale(pool: pool, change, from: requester)
        case .reload: enqueue(.reload, from: requester)
        case .restart(let pool):
            if let pool, poolIndex(named: pool).map({ pools[$0].removing }) ?? true {
                reply(requester, .failure(noSuchPool(pool)))
            } else {
                enqueue(.restart(pool: pool), from: requester)
            }
        case .stop(let mode, let afterDelay):
            if case .client(let client) = requester { stopRequesters.append(client) }
            if afterDelay, mode != .quick, shutdownDelay > .zero, phase == .running {
                beginShutdownDelay()
            } else {
                beginStop(mode, exitCode: DroverdExitStatus.stopped.rawValue)
            }
        case .reopenLogs:
            emit(.reopenLogs)
            for worker in workers.values.sorted(by: { $0.id < $1.id }) {
                if let pid = worker.pid { emit(.signal(worker.id, pid: pid, .user1, processGroup: false)) }
            }
            reply(requester, .success(.reopened))
        }
    }

    /// Reload mode: remember the files and (re)start the quiet period.
    mutating func filesChanged(_ files: [String]) {
        guard !isShuttingDown, !files.isEmpty else { return }
        changedFiles.formUnion(files)
        restartDue = now + policy.reloadDebounce
    }

    /// Reload mode: the files stayed quiet; every pool restarts once.
    mutating func restartIfFilesChanged() {
        guard let due = restartDue, due <= now else { return }
        restartDue = nil
        let files = changedFiles.sorted()
        changedFiles = []
        guard !isShuttingDown else { return }
        notice(.filesChanged(files))
        run(.restart(pool: nil), from: .signal)
    }

    private func noSuchPool(_ name: String) -> CommandFailure {
        let known = pools.filter { !$0.removing }.map(\.name).joined(separator: ", ")
        return CommandFailure(code: .noSuchPool, message: "no pool named '\(name)' (pools: \(known))")
    }

    private mutating func scale(pool name: String?, _ change: ScaleChange, from requester: Requester) {
        guard !isShuttingDown else {
            reply(requester, .failure(stoppingFailure))
            return
        }
        let index = name.map { poolIndex(named: $0) } ?? pools.firstIndex { !$0.removing }
        guard let p = index, !pools[p].removing else {
            reply(requester, .failure(noSuchPool(name ?? "")))
            return
        }
        let old = pools[p].slots.count
        var target: Int
        switch change.amount {
        case .to(let size): target = size
        case .by(let delta): target = old + delta
        }
        if change.floor > 0, target < change.floor { target = max(target, min(old, change.floor)) }
        guard target >= 0, target <= policy.maxWorkersPerPool else {
            let message = "cannot scale \(pools[p].name) to \(target) workers (0 to \(policy.maxWorkersPerPool))"
            reply(requester, .failure(CommandFailure(code: .invalidArgument, message: message)))
            return
        }
        if target == 0, old > 0, !change.allowZero, !pools[p].configuration.binds.isEmpty {
            let binds = pools[p].configuration.binds.map(\.description).joined(separator: ", ")
            let message =
                "refusing to scale \(pools[p].name) to 0 workers: nobody would serve \(binds)"
                + " (connections would hang); add --allow-zero to do it anyway"
            reply(requester, .failure(CommandFailure(code: .invalidArgument, message: message)))
            return
        }
        pools[p].pinned = true
        if target != old {
            resize(pool: p, to: target)
            notice(.scaled(pool: pools[p].name, from: old, to: target))
            continueRollout(pool: p)
        }
        if case .client(let client) = requester {
            scaleWaiters.append(ScaleWaiter(client: client, pool: pools[p].name, target: target))
        }
        settleScaleWaiters()
        checkStartupComplete()
    }

    /// Answers scale requests whose pool has reached (or left) the size they asked for.
    mutating func settleScaleWaiters() {
        guard !scaleWaiters.isEmpty else { return }
        var waiting: [ScaleWaiter] = []
        for waiter in scaleWaiters {
            guard let p = poolIndex(named: waiter.pool), !pools[p].removing else {
                emit(.reply(to: waiter.client, .failure(noSuchPool(waiter.pool))))
                continue
            }
            let size = pools[p].slots.count
            let ready = readyCount(pools[p])
            if size != waiter.target {
                let message = "\(waiter.pool) was scaled to \(size) before reaching \(waiter.target)"
                emit(.reply(to: waiter.client, .failure(CommandFailure(code: .superseded, message: message))))
            } else if ready >= size {
                emit(.reply(to: waiter.client, .success(.scaled(pool: waiter.pool, workers: size, ready: ready))))
            } else {
                waiting.append(waiter)
            }
        }
        scaleWaiters = waiting
    }

    /// Fails the scale requests of a pool in which a worker just failed.
    mutating func failScaleWaiters(pool: String, because reason: String) {
        let failing = scaleWaiters.filter { $0.pool == pool }
        guard !failing.isEmpty else { return }
        scaleWaiters.removeAll { $0.pool == pool }
        for waiter in failing {
            emit(.reply(to: waiter.client, .failure(CommandFailure(code: .workerFailed, message: reason))))
        }
    }

    // MARK: Stop

    /// The shutdown delay begins: droverd reports itself not ready (`status`, `/readyz`) and tells
    /// systemd it is stopping, while every worker keeps accepting and serving; the graceful stop
    /// starts when the delay is over (``endShutdownDelayIfDue()``) or at the next stop request.
    /// Operations are refused meanwhile; one already under way goes on until the stop.
    private mutating func beginShutdownDelay() {
        phase = .lameDuck(until: now + shutdownDelay)
        notice(.shutdownDelay(shutdownDelay))
        emit(.notifySystemd(.stopping))
        let drain = workers.values.map(\.configuration.gracefulTimeout).max() ?? .zero
        emit(.notifySystemd(.extendTimeout(shutdownDelay + drain + policy.abortGrace + .seconds(5))))
    }

    /// The shutdown delay is over: the graceful stop runs.
    mutating func endShutdownDelayIfDue() {
        guard case .lameDuck(let until) = phase, until <= now else { return }
        beginStop(.graceful, exitCode: DroverdExitStatus.stopped.rawValue)
    }

    /// Stops every worker (again, faster, if already stopping), then exits with `exitCode`.
    mutating func beginStop(_ mode: StopMode, exitCode: Int32) {
        var toldSystemd = false
        switch phase {
        case .exited:
            return
        case .stopping(let current, let code):
            guard current == .graceful else { return }
            // A second stop request speeds the stop up.
            phase = .stopping(.quick, exitCode: code)
            notice(.stopping(.quick))
            for id in workers.keys.sorted() { stopWorker(id, reason: .shutdown, quick: true) }
        case .lameDuck(let until):
            // A stop request (or a failure) during the delay: what is left of it is skipped.
            if until > now { notice(.shutdownDelaySkipped(left: until - now)) }
            toldSystemd = true
            fallthrough
        case .idle, .starting, .running:
            phase = .stopping(mode, exitCode: exitCode)
            let served = pools.filter {
                if case .command = $0.configuration.kind { return false }
                return true
            }
            // The listeners shut first: when "Stopping" is logged, new connections are refused.
            emit(.stopAccepting(served.flatMap(\.configuration.binds)))
            notice(.stopping(mode))
            if !toldSystemd { emit(.notifySystemd(.stopping)) }
            let drain = workers.values.map {
                mode == .quick ? policy.quickStopTimeout : $0.configuration.gracefulTimeout
            }.max()
            if let drain { emit(.notifySystemd(.extendTimeout(drain + policy.abortGrace + .seconds(5)))) }
            abandonOperations()
            let failure = CommandFailure(code: .stopping, message: "droverd is stopping")
            for waiter in scaleWaiters { emit(.reply(to: waiter.client, .failure(failure))) }
            scaleWaiters = []
            for p in pools.indices {
                for s in pools[p].slots.indices { try? pools[p].slots[s].state.stopWaiting() }
            }
            for id in workers.keys.sorted() { stopWorker(id, reason: .shutdown, quick: mode == .quick) }
        }
        checkStopComplete()
    }

    mutating func checkStopComplete() {
        guard case .stopping(_, let code) = phase, workers.isEmpty else { return }
        phase = .exited
        for client in stopRequesters { emit(.reply(to: client, .success(.stopped))) }
        stopRequesters = []
        if let cause = stopCause { notice(cause) }
        emit(.exit(code))
    }
}
