//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

// MARK: - Start, spawn, exit, respawn

extension Supervisor {
    mutating func start() {
        guard phase == .idle else { return }
        phase = .starting
        // Starting may take every slot's tries at the boot timeout, beyond systemd's start timeout.
        let attempts = Duration.seconds(policy.startupAttempts)
        let budget = pools.map { $0.configuration.bootTimeout * policy.startupAttempts }.max() ?? .zero
        if budget > .zero { emit(.notifySystemd(.extendTimeout(budget + attempts + .seconds(5)))) }
        for p in pools.indices {
            for s in pools[p].slots.indices { spawn(pool: p, slot: s) }
        }
        checkStartupComplete()
    }

    /// Spawns a worker for a slot: the rollout's generation (as the slot's incoming
    /// worker) while the pool rolls out, the serving generation otherwise; or, `replacing` a worker
    /// whose lifetime is up, its replacement, with its generation and configuration. Nothing is
    /// spawned for a slot whose state refuses it (already holding that role).
    mutating func spawn(pool p: Int, slot s: Int, replacing old: Worker? = nil) {
        guard !isStopping else { return }
        let id = WorkerID(nextWorkerNumber)
        do {
            if old != nil {
                try pools[p].slots[s].state.recycleStarted(id)
            } else {
                try pools[p].slots[s].state.assigned(id, rollingOut: pools[p].rollout != nil)
            }
        } catch { return }
        nextWorkerNumber += 1
        let generation = old?.generation ?? pools[p].rollout?.generation ?? pools[p].generation
        let configuration = old?.configuration ?? pools[p].configuration
        workers[id] = Worker(
            id: id,
            configuration: configuration,
            slot: s,
            generation: generation,
            spawnedAt: now,
            tail: OutputTail(capacity: policy.tailLines, lineLimit: policy.tailLineBytes)
        )
        emit(
            .spawn(
                SpawnOrder(
                    worker: id,
                    configuration: configuration,
                    slot: s,
                    generation: generation,
                    launcherBudget: policy.launcherBudget(graceful: configuration.gracefulTimeout)
                )
            )
        )
    }

    mutating func workerSpawned(_ id: WorkerID, pid: Int32) {
        guard var worker = workers[id] else { return }
        let waits = worker.configuration.waitsForReadiness
        guard
            let next = try? worker.phase.spawned(
                pid: pid,
                bootDeadline: waits ? now + worker.configuration.bootTimeout : nil
            )
        else { return }
        workerIDsByPID[pid] = id
        workers[id] = worker
        switch next {
        case .signalStop(let reason):
            // Told to stop before the shell had started it: its kill deadline runs, the signal goes now.
            let quick = reason == .shutdown && isQuickStop
            let signal = quick ? worker.configuration.quickStopSignal : worker.configuration.stopSignal
            notice(.workerStopping(worker.reference, reason))
            emit(.signal(id, pid: pid, signal, processGroup: false))
        case .started:
            notice(.workerSpawned(worker.reference))
            if !waits { readinessSignalled(id) }
        }
    }

    mutating func workerFailedToSpawn(_ id: WorkerID, error: String) {
        guard let worker = workers.removeValue(forKey: id) else { return }
        notice(.spawnFailed(worker.reference, error: error))
        emit(.release(id))
        workerGone(worker, status: nil, failed: true, reason: error)
    }

    mutating func processExited(pid: Int32, status reported: ExitStatus) {
        guard let id = workerIDsByPID.removeValue(forKey: pid), let worker = workers.removeValue(forKey: id) else {
            notice(.orphanReaped(pid: pid, reported))
            return
        }
        // The SIGKILL droverd sent at a kill deadline is droverd's, whatever else the OOM killer did.
        var status = reported
        if status == .outOfMemory, case .stopping(let stop) = worker.phase, stop.killed {
            status = .signaled(.kill, coreDumped: false)
        }
        // What it started in its process group goes with it. The shell does this while handling
        // the reap, so the group id cannot have been reused yet.
        emit(.signal(id, pid: pid, .kill, processGroup: true))
        emit(.release(id))
        let failed: Bool
        if let reason = worker.phase.stopReason {
            failed = reason.isFailure
        } else {
            // Exiting unasked is a failure, unless the worker announced a clean stop (e.g. max requests).
            failed = !(worker.announcedStopping && status.isSuccess)
        }
        notice(.workerExited(worker.reference, status, failed: failed))
        workerGone(worker, status: status, failed: failed, reason: worker.phase.stopReason.map { describe($0, worker) })
    }

    /// Takes a worker that no longer exists out of its pool and decides what comes next.
    mutating func workerGone(_ worker: Worker, status: ExitStatus?, failed: Bool, reason: String?) {
        defer {
            settleScaleWaiters()
            checkStopComplete()
        }
        guard let p = poolIndex(named: worker.pool) else { return }
        if let r = pools[p].retiring.firstIndex(of: worker.id) {
            pools[p].retiring.remove(at: r)
            removePoolIfEmpty(p)
            return
        }
        let s = worker.slot
        guard s < pools[p].slots.count else { return }
        guard let role = try? pools[p].slots[s].state.left(worker.id) else { return }
        if role == .replacement {
            guard !isStopping, !pools[p].removing else { return }
            recordExit(pool: p, slot: s, worker: worker, status: status, reason: reason)
            replacementFailed(pool: p, slot: s)
            return
        }
        if role == .incoming {
            recordExit(pool: p, slot: s, worker: worker, status: status, reason: reason)
            let why = "\(worker.reference) \(reason ?? status?.description ?? "failed") before it was ready"
            failRollout(pool: p, reason: why + tailSuffix(worker))
            return
        }
        guard !isStopping, !pools[p].removing else { return }
        recordExit(pool: p, slot: s, worker: worker, status: status, reason: reason)
        guard failed else {
            spawn(pool: p, slot: s)  // the slot refuses it while a rollout's incoming worker holds it
            return
        }
        slotFailed(pool: p, slot: s, worker: worker, status: status, reason: reason)
    }

    private mutating func recordExit(pool p: Int, slot s: Int, worker: Worker, status: ExitStatus?, reason: String?) {
        pools[p].slots[s].lastExit = status
        pools[p].slots[s].lastExitReason = reason
        if !worker.tail.lines.isEmpty { pools[p].slots[s].lastTail = worker.tail.lines }
    }

    private mutating func slotFailed(pool p: Int, slot s: Int, worker: Worker, status: ExitStatus?, reason: String?) {
        // Killed from outside (not by droverd: its kills are stopping) while it served, or while it
        // started in a pool that has served: a kill is not the app's failure. During droverd's own
        // start-up every failed boot still counts, so an app that dies at import stops droverd.
        if case .signaled(let signal, _)? = status, policy.outsideKillSignals.contains(signal),
            worker.loadFailure == nil, Self.killedFromOutside(worker.phase, poolServed: pools[p].everReady)
        {
            return replaceKilled(pool: p, slot: s, worker: worker, status: status, reason: reason)
        }
        if let readySince = worker.phase.readySince, now - readySince >= policy.backoffResetAfter {
            pools[p].slots[s].failures = 0
        }
        pools[p].slots[s].failures += 1
        pools[p].slots[s].restarts += 1
        let failures = pools[p].slots[s].failures
        failScaleWaiters(
            pool: pools[p].name,
            because: "\(worker.reference) \(reason ?? status?.description ?? "failed")"
        )
        if phase == .starting, !pools[p].everReady, failures >= policy.startupAttempts || worker.loadFailure != nil {
            // An app that cannot be loaded will not load on a later attempt either: stop at once,
            // with Gunicorn's exit status for it (4, "App failed to load").
            let what = reason ?? status?.description ?? "failed"
            let message =
                worker.loadFailure.map { "the app\(appName(worker)) failed to load: \($0.summary)" }
                ?? "no worker became ready after \(failures) attempts; last: \(what)" + tailSuffix(worker)
            stopCause = .startupFailed(pool: pools[p].name, reason: message)
            emit(.notifySystemd(.errorNumber(worker.errorNumber ?? 5)))  // the worker's ERRNO=, else EIO
            beginStop(
                .quick,
                exitCode: (worker.loadFailure == nil ? DroverdExitStatus.poolFailed : .appLoadFailed).rawValue
            )
            return
        }
        // A rollout's incoming worker already waits to take the slot: it is not refilled.
        guard pools[p].slots[s].state == .empty else { return }
        var delay = policy.backoff(afterFailures: failures)
        if worker.phase.readySince != nil, worker.phase.stopReason?.isFailure == true, poolWouldSitEmpty(p, for: delay)
        {
            // Bad luck after serving (a stuck request, not a crash loop): the pool is not left with
            // no worker for a whole backoff; this slot retries at the shortest delay.
            delay = min(delay, policy.backoffBase)
        }
        if delay == .zero {
            spawn(pool: p, slot: s)
        } else {
            try? pools[p].slots[s].state.waitToRespawn(until: now + delay)
            notice(.respawnScheduled(pool: pools[p].name, slot: s, after: delay, failures: failures))
        }
    }

    /// Whether an outside kill in `phase` is bad luck rather than a failure: a serving worker's, or
    /// a starting one's once its pool has served (a chaos tool, an operator's `kill`).
    static func killedFromOutside(_ phase: WorkerPhase, poolServed: Bool) -> Bool {
        switch phase {
        case .ready: true
        case .starting: poolServed
        case .spawning, .stopping: false
        }
    }

    /// Whether every slot of a pool is without a worker, and none of them respawns within `delay`.
    private func poolWouldSitEmpty(_ p: Int, for delay: Duration) -> Bool {
        let states = pools[p].slots.map(\.state)
        guard states.allSatisfy({ $0.workers.isEmpty }) else { return false }
        let soonest = states.compactMap(\.retryAt).min()
        return delay > policy.backoffBase && (soonest.map { $0 > now + policy.backoffBase } ?? true)
    }

    /// A worker killed from outside (``killedFromOutside(_:poolServed:)``): replaced at once (bad
    /// luck is not a crash loop, so its slot's failures do not grow), at most once per
    /// `killRespawnInterval`.
    private mutating func replaceKilled(pool p: Int, slot s: Int, worker: Worker, status: ExitStatus?, reason: String?)
    {
        pools[p].slots[s].restarts += 1
        failScaleWaiters(
            pool: pools[p].name,
            because: "\(worker.reference) \(reason ?? status?.description ?? "failed")"
        )
        guard pools[p].slots[s].state == .empty else { return }
        let earliest = pools[p].slots[s].lastKillRespawn.map { $0 + policy.killRespawnInterval } ?? now
        pools[p].slots[s].lastKillRespawn = max(now, earliest)
        if earliest <= now {
            spawn(pool: p, slot: s)
        } else {
            try? pools[p].slots[s].state.waitToRespawn(until: earliest)
            let failures = pools[p].slots[s].failures
            notice(.respawnScheduled(pool: pools[p].name, slot: s, after: earliest - now, failures: failures))
        }
    }

    /// ` main:app` for a Uvicorn pool's worker, else nothing.
    func appName(_ worker: Worker) -> String {
        guard case .uvicorn(let options) = worker.configuration.kind else { return "" }
        return " \(options.app)"
    }

    func tailSuffix(_ worker: Worker) -> String {
        guard let last = worker.tail.lines.last(where: { !$0.allSatisfy(\.isWhitespace) }) else { return "" }
        return ": \(last)"
    }

    func describe(_ reason: StopReason, _ worker: Worker) -> String {
        switch reason {
        case .bootTimeout:
            "was not ready within the boot timeout (--boot-timeout, BOOT_TIMEOUT)" + notReadyDetail(worker)
        case .heartbeatTimeout: "stopped sending heartbeats"
        case .watchdogTrigger: "asked to be killed (WATCHDOG=trigger)"
        case .replaced: "was replaced"
        case .scaledDown: "was scaled down"
        case .rolledBack: "was rolled back"
        case .poolRemoved: "left with its pool"
        case .shutdown: "was stopped"
        case .recycled: "stopped by itself and was replaced"
        case .lifetime: "reached its max_worker_lifetime and was replaced"
        case .memory: "stayed over max_worker_memory and was replaced"
        case .requestTimeout: "had a request in flight past request_timeout and was replaced"
        case .poolMemory: "was the largest while its pool stayed over pool_memory_limit, and was replaced"
        case .pressure: "was the largest under memory pressure, and was replaced"
        }
    }

    /// Why a worker was not ready in time, when droverd knows more: its probe's last answer, or never seen accepting.
    func notReadyDetail(_ worker: Worker) -> String {
        if let probe = worker.phase.probe, probe.isAsked {
            let answer = probe.lastAnswer ?? "GET \(worker.configuration.readyProbe ?? "/") got no answer yet"
            return "; its ready_probe never passed (last: \(answer))"
        }
        guard worker.configuration.readiness == .observed else { return "" }
        return "; it was never seen accepting on its socket (a command that does not serve it needs wait_ready = false)"
    }

    /// A pool removed by a reload goes once its last worker has.
    mutating func removePoolIfEmpty(_ p: Int) {
        guard pools[p].removing, pools[p].retiring.isEmpty,
            pools[p].slots.allSatisfy({ $0.state.workers.isEmpty })
        else { return }
        let name = pools[p].name
        pools.remove(at: p)
        notice(.poolRemoved(pool: name))
    }

    mutating func checkStartupComplete() {
        guard phase == .starting else { return }
        guard pools.allSatisfy({ $0.removing || readyCount($0) == $0.slots.count }) else { return }
        phase = .running
        notice(.started)
        emit(.notifySystemd(.ready))
    }
}
