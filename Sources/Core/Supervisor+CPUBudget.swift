//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

// MARK: - follow_cpu_limit: the pools sized from the CPU budget follow it

extension Supervisor {
    /// The CPU budget changed: each pool sized from it (``PoolConfiguration/automaticWorkers``) and
    /// not scaled by an operator gets the size the new budget gives, through the scale path (new
    /// slots spawn while the others serve; a smaller pool retires its highest slots, which drain).
    mutating func cpuBudgetChanged(cpus: Int, was: Int, rule: String) {
        guard phase != .idle, !isShuttingDown, cpus != was else { return }
        notice(.cpuBudgetChanged(from: was, to: cpus, rule: rule))
        for p in pools.indices where !pools[p].removing && !pools[p].pinned {
            guard let automatic = pools[p].configuration.automaticWorkers else { continue }
            let target = min(automatic.count(cores: cpus), policy.maxWorkersPerPool)
            // The configuration says the size the budget gives, so a reload keeps it; so does the
            // one a failing rollout goes back to, when it too was sized from the budget.
            pools[p].configuration.workers = target
            if let previous = pools[p].rollout?.previous, let rule = previous.automaticWorkers {
                let size = min(rule.count(cores: cpus), policy.maxWorkersPerPool)
                pools[p].rollout?.previous?.workers = size
                pools[p].rollout?.previousSize = size
            }
            let old = pools[p].slots.count
            guard target != old else { continue }
            resize(pool: p, to: target)
            notice(.scaled(pool: pools[p].name, from: old, to: target))
            continueRollout(pool: p)
        }
        settleScaleWaiters()
        checkStartupComplete()
    }
}
