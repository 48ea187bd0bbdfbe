//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import Glibc
import Logging
import NIOCore

// MARK: - The effects of the core's actions (the rest: Daemon+Readiness, Daemon+Control)

extension Daemon {
    var now: Instant { Instant(nanoseconds: NIODeadline.now().uptimeNanoseconds) }

    func spawn(_ order: SpawnOrder) -> SupervisorEvent? {
        spawnCount += 1
        runHook(
            "pre_fork",
            worker: Self.workerArgument(pid: nil, age: spawnCount, slot: order.slot, generation: order.generation)
        )
        guard TemplateTable.forks(order) else { return launch(order) }
        return perform(templates.order(order, now: now), answering: order.worker)
    }

    /// Starts `order`'s worker, exec'd or forked by `template`, and keeps what droverd needs of it.
    /// A template that fails to fork is stopped, and the worker exec'd.
    func launch(_ order: SpawnOrder, via template: TemplateProcess? = nil) -> SupervisorEvent {
        do {
            let spawned = try spawner.spawn(
                order,
                sockets: listeners.fds(for: order.configuration.binds),
                via: template,
                metricsDirectory: appMetrics?.directory(for: order.configuration)
            )
            ages[spawned.pid] = spawnCount
            let id = order.worker
            let output = spawned.output
            processes[id] = WorkerProcess(
                pid: spawned.pid,
                heartbeat: spawned.heartbeat,
                output: output,
                probeAddress: spawned.probeAddress
            )
            workerIDsByPID[spawned.pid] = id
            output.watch(on: ioQueue) { [self] in
                self.onLoop { $0.outputArrived(id, output) }
            }
            return .spawned(id, pid: spawned.pid)
        } catch {
            guard let template else { return .spawnFailed(order.worker, error: error.description) }
            logger.warning("\(error); exec'ing the worker instead")
            let actions = templates.forkFailed(template.key, order, now: now)
            return perform(actions, answering: order.worker) ?? .spawnFailed(order.worker, error: error.description)
        }
    }

    func signal(_ worker: WorkerID, pid: Int32, _ signal: Signal, processGroup: Bool) {
        _ = kill(processGroup ? -pid : pid, signal.rawValue)
    }

    func release(_ id: WorkerID) {
        guard let process = processes.removeValue(forKey: id) else { return }
        workerIDsByPID.removeValue(forKey: process.pid)
        process.output.close()
    }

    func stopAccepting(_ binds: [BindAddress]) { listeners.stopAccepting(binds) }

    func retainListeners(_ binds: [BindAddress]) { listeners.retain(binds) }

    /// Reopens droverd's log file (the core passes SIGUSR1 on to the workers next).
    func reopenLogs() {
        if let problem = errorLog.reopen() { logger.error("Reopening logs: \(problem)") }
        logger.info("Log files reopened; SIGUSR1 passed on to the workers")
    }

    func loadConfiguration(_ request: UInt64) {
        feed(.configurationLoaded(request, reloadConfiguration()))  // queued: the core is busy
    }

    func report(_ notice: Notice) {
        metrics.record(notice)
        runHooks(for: notice)
        let (level, line) = notice.logLine
        logger.log(level: level, "\(line)")
        broadcast(notice)
        perform(templates.noticed(notice, now: now))  // a generation done: its template goes
        pageOutColdCode(after: notice)
    }

    func notifySystemd(_ notification: SystemdNotification) { systemd.send(notification) }

    func exit(status: Int32) { finish(status) }

    func armTimer(at deadline: Instant?) {
        timer?.cancel()
        timer = deadline.map { deadline in
            loop.scheduleTask(deadline: .uptimeNanoseconds(deadline.nanoseconds)) { [self] in self.timerFired() }
        }
    }

    func lastHeartbeat(of worker: WorkerID) -> Instant? { processes[worker]?.heartbeat?.lastBeat }
    func oldestRequest(of worker: WorkerID) -> Instant? { processes[worker]?.heartbeat?.oldestRequest }

    func uniqueMemory(of pid: Int32) -> UInt64? { ProcessSample.uniqueMemory(of: pid) }
}
