//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverConfiguration
import DroverCore
import DroverShared
import Logging
import NIOCore

// MARK: - follow_cpu_limit: re-read the CPU budget, the core resizes

extension Daemon {
    /// How often `follow_cpu_limit` re-reads the budget: 30 s. A write to a cgroup CPU file
    /// (`cpu.max`, `cpu.cfs_quota_us`, `cpu.weight`, `cpu.shares`) wakes an inotify watch of that
    /// very file only, but the budget also moves when droverd's cgroup moves or a quota appears on
    /// an ancestor, which no single watch covers: one wake-up every period while the setting is
    /// on, none while it is off. `DROVER_TEST_CPU_RECHECK` (seconds) shortens it for tests.
    static let cpuRecheckPeriod = TimeAmount.seconds(30)

    /// Starts or stops the periodic re-read as the configuration says (at start, after a reload).
    func followCPUBudgetIfWanted() {
        guard configuration.followCPULimit else {
            cpuRecheck?.cancel()
            cpuRecheck = nil
            return
        }
        guard cpuRecheck == nil else { return }
        var period = Self.cpuRecheckPeriod
        if let text = loader.environmentDictionary["DROVER_TEST_CPU_RECHECK"], let seconds = Double(text), seconds > 0 {
            period = .nanoseconds(Int64(seconds * 1e9))
        }
        let task = loop.scheduleRepeatedTask(initialDelay: period, delay: period) { [self] _ in
            self.recheckCPUBudget()
        }
        cpuRecheck = task
        parts.add("CPU budget re-read") { [self] in
            self.cpuRecheck?.cancel()
            self.cpuRecheck = nil
        }
        let every = Duration.shortText(seconds: Double(period.nanoseconds) / 1e9)
        logger.info("Following the CPU budget: re-read every \(every)")
        if !configuration.pools.contains(where: { $0.automaticWorkers != nil }) {
            logger.warning(
                "follow_cpu_limit: no pool is sized from the CPU budget (each has its size from workers, WEB_CONCURRENCY, a Gunicorn configuration file or reload mode); a budget change will resize nothing"
            )
        }
    }

    /// Reads the budget again; when it changed, the core hears it and decides which pools resize.
    private func recheckCPUBudget() {
        let budget = SystemFacts.cpuReading().decision(fromRequest: configuration.cpuFromRequest)
        let was = configuration.cpuBudget
        guard budget.cpus != was.cpus else {
            configuration.cpuBudget = budget
            return
        }
        configuration.cpuBudget = budget
        feed(.cpuBudgetChanged(cpus: budget.cpus, was: was.cpus, rule: "\(budget.rule.rawValue): \(budget.detail)"))
        // `config` reports the sizes the core chose for the pools that follow the budget.
        let sizes = Dictionary(supervisor.configurations.map { ($0.name, $0.workers) }) { first, _ in first }
        for index in configuration.pools.indices where configuration.pools[index].automaticWorkers != nil {
            if let size = sizes[configuration.pools[index].name] { configuration.pools[index].workers = size }
        }
    }
}
