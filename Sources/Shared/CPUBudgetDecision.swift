//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// How many CPUs droverd sizes its automatic pools for, and which rule decided it
/// (`droverctl config`'s `cpu_budget`, the start-up log line, the `cpu_budget_changed` event).
public struct CPUBudgetDecision: Hashable, Sendable {
    /// The rules, tightest first as they are tried.
    public enum Rule: String, Hashable, Sendable {
        /// The tightest CPU quota on the cgroup path (v2 `cpu.max`, v1 `cpu.cfs_quota_us`).
        case quota
        /// `cpu_from_request`: the CPU request, derived from the cgroup's `cpu.weight` or `cpu.shares`.
        case request
        /// The scheduler affinity mask (fewer CPUs than the host has online).
        case affinity
        /// Nothing narrower: every CPU the host has online.
        case host
    }

    /// Whole CPUs, rounded up, at least 1.
    public var cpus: Int
    public var rule: Rule
    /// What was read, e.g. `/sys/fs/cgroup/cpu/app/cpu.cfs_quota_us: 150000 / 100000 = 1.5 CPUs`.
    public var detail: String

    public init(cpus: Int, rule: Rule, detail: String) {
        self.cpus = cpus
        self.rule = rule
        self.detail = detail
    }

    /// `2 CPUs (quota: /sys/fs/cgroup/…/cpu.max: 150000 100000 = 1.5 CPUs)`.
    public var description: String {
        "\(cpus) CPU\(cpus == 1 ? "" : "s") (\(rule.rawValue): \(detail))"
    }
}
