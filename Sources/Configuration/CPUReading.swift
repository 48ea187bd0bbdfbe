//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// What ``CPUBudget`` read about this process's CPUs: the affinity mask, the host's online CPUs,
/// the tightest quota on its cgroup path and the request its own cgroup's weight gives, if any.
/// ``decision(fromRequest:)`` turns it into the budget; the rule is pure, so the resolver (at
/// start and reload) and the daemon (`follow_cpu_limit`'s re-reads) decide the same way.
public struct CPUReading: Hashable, Sendable {
    /// A number of CPUs read from a file, and what was read.
    public struct Limit: Hashable, Sendable {
        public var cpus: Double
        /// `PATH: VALUE = N CPUs`.
        public var detail: String

        public init(cpus: Double, detail: String) {
            self.cpus = cpus
            self.detail = detail
        }
    }

    /// CPUs in the scheduler affinity mask.
    public var affinity: Int
    /// CPUs the host has online.
    public var online: Int
    /// The tightest quota on the cgroup path, ancestors included; nil when none is set.
    public var quota: Limit?
    /// The request derived from this cgroup's own `cpu.weight` (v2) or `cpu.shares` (v1); nil when
    /// neither is readable or it says no request (Kubernetes' BestEffort minimum: weight 1, shares 2).
    public var request: Limit?

    public init(affinity: Int, online: Int? = nil, quota: Limit? = nil, request: Limit? = nil) {
        self.affinity = max(affinity, 1)
        self.online = max(online ?? affinity, self.affinity)
        self.quota = quota
        self.request = request
    }

    /// The budget: the tightest quota, else (with `cpu_from_request`) the request, else the
    /// affinity mask; never more than the affinity mask. Rounded up to whole CPUs, at least 1.
    public func decision(fromRequest: Bool) -> CPUBudgetDecision {
        let limit =
            quota.map { ($0, CPUBudgetDecision.Rule.quota) } ?? (fromRequest ? request.map { ($0, .request) } : nil)
        if let (limit, rule) = limit, limit.cpus < Double(affinity) {
            return CPUBudgetDecision(cpus: max(1, Int(limit.cpus.rounded(.up))), rule: rule, detail: limit.detail)
        }
        if affinity < online {
            return CPUBudgetDecision(cpus: affinity, rule: .affinity, detail: "\(affinity) of \(online) online CPUs")
        }
        return CPUBudgetDecision(cpus: affinity, rule: .host, detail: "\(online) online CPU\(online == 1 ? "" : "s")")
    }
}
