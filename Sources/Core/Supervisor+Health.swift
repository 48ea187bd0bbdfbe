//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

// MARK: - Readiness, notifications, heartbeats, timers, stopping workers

extension Supervisor {
    mutating func becomeReady(_ id: WorkerID) {
        guard var worker = workers[id] else { return }
        let heartbeatDeadline = worker.heartbeatDeadline(readySince: now, slack: policy.heartbeatSlack)
        do { try worker.phase.becameReady(at: now, heartbeatDeadline: heartbeatDeadline) } catch { return }
        worker.recycleAt = recycleTime(worker)
        worker.nextMemorySample = worker.configuration.memoryLimit.map { now + $0.interval }
        if worker.configuration.usesHeartbeatPage {
            worker.nextRequestCheck = worker.configuration.requestTimeout.map { now + $0 }
        }
        workers[id] = worker
        notice(.workerReady(worker.reference, bootTime: now - worker.spawnedAt))
        guard let p = poolIndex(named: worker.pool) else { return }
        pools[p].everReady = true
        let s = worker.slot
        if s < pools[p].slots.count, pools[p].slots[s].state.incoming == id {
            // Surge rollout: the replacement is ready, so the old worker may go.
            if let old = try? pools[p].slots[s].state.incomingReady(id) { retire(old, pool: p, reason: .replaced) }
            continueRollout(pool: p)
        } else if s < pools[p].slots.count, pools[p].slots[s].state.replacement == id {
            replacementReady(id, pool: p, slot: s)
        }
        settleScaleWaiters()
        checkStartupComplete()
    }

    /// A starting worker said it is ready (or was seen accepting, or needs no sign): ready now, or,
    /// with a `ready_probe`, once its probe answers.
    mutating func readinessSignalled(_ id: WorkerID) {
        guard var worker = workers[id], worker.state == .starting else { return }
        guard let path = worker.configuration.readyProbe else { return becomeReady(id) }
        guard let pid = try? worker.phase.probeAsked() else { return }
        workers[id] = worker
        emit(.probe(id, pid: pid, path: path, timeout: policy.probeTimeout))
    }

    /// A `ready_probe` answer: 2xx or 3xx makes the worker ready; anything else is asked again
    /// shortly, until the boot timeout.
    mutating func probed(_ id: WorkerID, status: Int?, detail: String) {
        guard var worker = workers[id], case .starting(_, _, let probe) = worker.phase, probe.isAsked else { return }
        if let status, (200..<400).contains(status) { return becomeReady(id) }
        let path = worker.configuration.readyProbe ?? "/"
        let answer = status.map { "GET \(path) answered \($0)" } ?? "GET \(path): \(detail)"
        guard let isNew = try? worker.phase.probeFailed(answer: answer, retryAt: now + policy.probeInterval) else {
            return
        }
        workers[id] = worker
        if isNew { notice(.probeFailed(worker.reference, answer: answer)) }
    }

    /// A starting worker of an observed pool was seen accepting on its listening socket.
    mutating func observedAccepting(_ id: WorkerID) {
        guard let worker = workers[id], worker.configuration.readiness == .observed else { return }
        readinessSignalled(id)
    }

    mutating func notified(pid: Int32, _ message: NotifyMessage) {
        guard let id = workerIDsByPID[pid], var worker = workers[id] else { return }
        if let status = message.status { worker.statusText = status }
        if let number = message.errorNumber { worker.errorNumber = number }
        if let failure = message.loadFailure, worker.loadFailure == nil {
            worker.loadFailure = failure
            for line in failure.traceback.isEmpty ? [failure.summary] : failure.traceback { worker.tail.append(line) }
            reportLoadFailure(failure, by: worker.reference)
        }
        let asked = worker.phase.stopReason != nil
        if message.stopping, !asked { worker.announcedStopping = true }
        let stopsByItself = message.stopping && worker.state == .ready
        if message.watchdog {
            worker.sendsWatchdog = true
            worker.lastHeartbeat = now
            if case .ready(_, let since, _) = worker.phase {
                try? worker.phase.heartbeatMoved(
                    deadline: worker.heartbeatDeadline(readySince: since, slack: policy.heartbeatSlack)
                )
            }
        }
        if let extra = message.extendTimeout { try? worker.phase.bootExtended(to: now + extra) }
        if message.recycle, !asked, worker.state == .ready, worker.recycleReason != .recycled {
            // Its request limit: replaced surge-first, as a lifetime recycle (startDueRecycles
            // runs after every event), and retired with the stop reason of a request limit.
            worker.recycleReason = .recycled
            worker.recycleAt = now
        }
        workers[id] = worker
        if stopsByItself { recycle(id) }
        if message.ready { readinessSignalled(id) }
        if message.watchdogTrigger, !asked { abort(id, reason: .watchdogTrigger) }
    }

    /// Tells a load failure once in full; the same traceback again (another slot, the next
    /// attempt) gets one line naming the worker that told it.
    mutating func reportLoadFailure(_ failure: LoadFailure, by reference: WorkerReference) {
        guard let p = poolIndex(named: reference.pool) else { return }
        if let last = pools[p].lastLoadFailure, last.failure == failure {
            notice(.appLoadFailed(reference, failure, sameAs: last.reporter))
        } else {
            pools[p].lastLoadFailure = (failure, reference)
            notice(.appLoadFailed(reference, failure, sameAs: nil))
        }
    }

    mutating func heartbeat(_ id: WorkerID, stamp: Instant, oldestRequest: Instant?) {
        guard var worker = workers[id], case .ready(_, let since, _) = worker.phase else { return }
        if stamp > (worker.lastHeartbeat ?? Instant(nanoseconds: 0)) {
            worker.lastHeartbeat = stamp
            try? worker.phase.heartbeatMoved(
                deadline: worker.heartbeatDeadline(readySince: since, slack: policy.heartbeatSlack)
            )
        }
        workers[id] = worker
        checkRequests(id, oldest: oldestRequest)
    }

    /// `request_timeout`, at a read of the page: a request in flight since `oldest` for the timeout
    /// or longer has the worker print its stacks (SIGUSR2) and replaced surge first, like a memory
    /// recycle; otherwise the page is read again when the oldest request (or, with none in flight, one
    /// starting now) would reach the timeout. The launcher answers the late request 503 when it retires.
    mutating func checkRequests(_ id: WorkerID, oldest: Instant?) {
        guard var worker = workers[id], worker.nextRequestCheck.map({ $0 <= now }) ?? false,
            case .ready(let pid, _, _) = worker.phase, let timeout = worker.configuration.requestTimeout
        else { return }
        guard let oldest, now - oldest >= timeout else {
            worker.nextRequestCheck = min(oldest ?? now, now) + timeout
            workers[id] = worker
            return
        }
        worker.nextRequestCheck = nil
        if worker.recycleAt.map({ $0 > now }) ?? true, worker.recycleReason != .recycled {
            worker.recycleReason = .requestTimeout
            worker.recycleAt = now
        }
        workers[id] = worker
        notice(.workerTimedOut(worker.reference, .requestTimeout, after: now - oldest))
        emit(.signal(id, pid: pid, .user2, processGroup: false))
    }

    mutating func output(_ id: WorkerID, lines: [String]) {
        guard workers[id] != nil else { return }
        for line in lines { workers[id]!.tail.append(line) }
    }

    mutating func timerFired() {
        restartIfFilesChanged()
        // A request check whose page had no stamp to read (none written yet) waits a timeout more.
        for id in workers.keys.sorted() {
            guard let check = workers[id]!.nextRequestCheck, check <= now,
                let timeout = workers[id]!.configuration.requestTimeout
            else { continue }
            workers[id]!.nextRequestCheck = now + timeout
        }
        endShutdownDelayIfDue()
        let due = workers.values.filter { $0.phase.deadline.map { $0 <= now } ?? false }.map(\.id).sorted()
        for id in due {
            guard let worker = workers[id], let deadline = worker.phase.deadline, deadline <= now else { continue }
            switch worker.state {
            case .spawning: continue
            case .starting: abort(id, reason: .bootTimeout)
            case .ready: abort(id, reason: .heartbeatTimeout)
            case .stopping: kill(id)
            }
        }
        for id in workers.keys.sorted() {
            guard var worker = workers[id], let path = worker.configuration.readyProbe,
                let pid = try? worker.phase.probeRetryDue(at: now)
            else { continue }
            workers[id] = worker
            emit(.probe(id, pid: pid, path: path, timeout: policy.probeTimeout))
        }
        for p in pools.indices {
            for s in pools[p].slots.indices {
                guard let retry = pools[p].slots[s].state.retryAt, retry <= now else { continue }
                try? pools[p].slots[s].state.stopWaiting()
                spawn(pool: p, slot: s)
            }
        }
    }

    /// A ready worker that stops by itself (its maximum number of requests, say) drains while its
    /// replacement starts: it leaves its slot at once, so capacity does not dip for its whole drain.
    mutating func recycle(_ id: WorkerID) {
        guard var worker = workers[id], let p = poolIndex(named: worker.pool), !isStopping else { return }
        let s = worker.slot
        guard s < pools[p].slots.count, pools[p].slots[s].state.current == id else { return }
        do { try worker.phase.stoppingByItself(killAt: now + worker.configuration.gracefulTimeout) } catch { return }
        workers[id] = worker
        notice(.workerStopping(worker.reference, .recycled))
        _ = try? pools[p].slots[s].state.left(id)
        pools[p].retiring.append(id)
        if pools[p].rollout != nil {
            continueRollout(pool: p)
        } else {
            spawn(pool: p, slot: s)
        }
    }

    /// A worker that is stuck: SIGABRT (Python prints where), SIGKILL after the abort grace.
    mutating func abort(_ id: WorkerID, reason: StopReason) {
        guard var worker = workers[id] else { return }
        let since =
            worker.state == .starting ? worker.spawnedAt : (worker.lastHeartbeat ?? worker.phase.readySince ?? now)
        guard let pid = try? worker.phase.aborted(reason: reason, killAt: now + policy.abortGrace) else { return }
        workers[id] = worker
        notice(.workerTimedOut(worker.reference, reason, after: now - since))
        emit(.signal(id, pid: pid, .abort, processGroup: false))
        if reason == .bootTimeout, let p = poolIndex(named: worker.pool), worker.slot < pools[p].slots.count,
            pools[p].slots[worker.slot].state.incoming == id
        {
            failRollout(
                pool: p,
                reason: "\(worker.reference) was not ready within the boot timeout" + notReadyDetail(worker)
                    + tailSuffix(worker)
            )
        }
    }

    /// Asks a worker to stop (or to stop sooner, for a quick stop of a draining worker).
    mutating func stopWorker(_ id: WorkerID, reason: StopReason, quick: Bool) {
        guard var worker = workers[id] else { return }
        let configuration = worker.configuration
        let killAt = now + (quick ? policy.quickStopTimeout : configuration.gracefulTimeout)
        guard let order = try? worker.phase.askedToStop(reason: reason, killAt: killAt, quick: quick) else { return }
        workers[id] = worker
        guard case .signal(let pid, let isNew) = order else { return }
        if isNew { notice(.workerStopping(worker.reference, reason)) }
        emit(
            .signal(id, pid: pid, quick ? configuration.quickStopSignal : configuration.stopSignal, processGroup: false)
        )
    }

    /// Moves a worker out of its slot into the pool's retiring list and stops it.
    mutating func retire(_ id: WorkerID, pool p: Int, reason: StopReason) {
        if !pools[p].retiring.contains(id) { pools[p].retiring.append(id) }
        stopWorker(id, reason: reason, quick: false)
    }

    /// The kill deadline of a stopping worker: SIGKILL to its whole process group.
    mutating func kill(_ id: WorkerID) {
        guard var worker = workers[id] else { return }
        let pid: Int32?
        do { pid = try worker.phase.killed() } catch { return }
        workers[id] = worker
        notice(.workerKilled(worker.reference))
        if let pid { emit(.signal(id, pid: pid, .kill, processGroup: true)) }
    }

    var isQuickStop: Bool {
        if case .stopping(.quick, _) = phase { return true }
        return false
    }
}
