//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import Glibc
import Logging
import NIOCore

// MARK: - Templates (fork servers): the TemplateTable decides, this carries it out

extension Daemon {
    /// Carries out the template table's actions. The spawn event of `answering`'s order, if one of
    /// them produced it, is returned (the order is being answered now); every other is fed.
    @discardableResult
    func perform(_ actions: [TemplateAction], answering: WorkerID? = nil) -> SupervisorEvent? {
        var answer: SupervisorEvent?
        for action in actions {
            let event: (WorkerID, SupervisorEvent)
            switch action {
            case .start(let key, let order):
                startTemplate(key, order, answering: answering, answer: &answer)
                continue
            case .stop(let key):
                templateProcesses.removeValue(forKey: key)?.stop()
                continue
            case .exec(let order):
                event = (order.worker, launch(order))
            case .fork(let key, let order):
                if let template = templateProcesses[key] {
                    event = (order.worker, launch(order, via: template))
                } else {  // not running after all: the table hears of it, the order execs
                    let next = templates.forkFailed(key, order, now: now)
                    event = (order.worker, perform(next, answering: order.worker) ?? launch(order))
                }
            }
            if event.0 == answering && answer == nil {
                answer = event.1
            } else {
                feed(event.1)
            }
        }
        return answer
    }

    private func startTemplate(
        _ key: TemplateKey,
        _ order: SpawnOrder,
        answering: WorkerID?,
        answer: inout SupervisorEvent?
    ) {
        let template: TemplateProcess
        do {
            template = try spawner.startTemplate(
                order,
                sockets: listeners.fds(for: order.configuration.binds),
                metricsDirectory: appMetrics?.directory(for: order.configuration)
            )
        } catch {
            logger.warning("Cannot start the template of \(key): \(error); its workers are exec'd")
            if let event = perform(templates.exited(key, now: now), answering: answering) { answer = event }
            return
        }
        logger.info("Starting the template of \(key) (pid \(template.pid))")
        templateProcesses[key] = template
        templatePIDs[template.pid] = key
        let output = template.output
        output.watch(on: ioQueue) { [self] in
            self.onLoop { $0.outputArrived(nil, output) }
        }
        template.watch(on: ioQueue) { [self] in
            self.onLoop { $0.templateSpoke(template) }
        }
        let started = now
        loop.scheduleTask(in: .nanoseconds(Int64(order.configuration.bootTimeout.nanoseconds))) { [self] in
            guard self.templateProcesses[key] === template else { return }
            let actions = self.templates.startTimedOut(key, now: self.now)
            if !actions.isEmpty {
                self.logger.warning(
                    "The template of \(key) is not ready after \(Self.secondsText(self.now - started)); stopped, its workers are exec'd"
                )
            }
            self.perform(actions)
        }
    }

    /// The template's first message arrived (or its socket closed).
    private func templateSpoke(_ template: TemplateProcess) {
        let greeting = template.readReady()  // always: it also finishes a stopped template's watch
        guard templateProcesses[template.key] === template else { return }
        switch greeting {
        case .notYet, .gone: return
        case .ready(let preload):
            logger.info(
                "The template of \(template.key) is ready (pid \(template.pid)\(preload ? ", app preloaded" : ""))"
            )
            perform(templates.ready(template.key, now: now))
        }
    }

    /// Reaped: a template stopped on purpose goes quietly; one that died is the table's to handle.
    func templateExited(pid: Int32, status: ExitStatus) {
        guard let key = templatePIDs.removeValue(forKey: pid) else { return }
        guard let template = templateProcesses[key], template.pid == pid else {
            logger.debug("The template of \(key) (pid \(pid)) exited: \(status)")
            return
        }
        templateProcesses.removeValue(forKey: key)
        _ = template.output.drain(limit: 1 << 20)  // its last words (a traceback) first
        template.stop()
        logger.warning("The template of \(key) (pid \(pid)) exited: \(status); workers are exec'd until it is back")
        perform(templates.exited(key, now: now))
    }

    static func secondsText(_ duration: Duration) -> String {
        let tenths = (duration.seconds * 10).rounded() / 10
        return "\(tenths) s"
    }

    /// droverd is done: every template goes.
    func stopTemplates() {
        for template in templateProcesses.values { template.stop() }
        templateProcesses.removeAll()
    }
}
