//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The arithmetic of the cgroup CPU files: quotas, and the request Kubernetes encodes in the weight.
///
/// The kubelet sets v1 `cpu.shares = max(2, millicores × 1024 / 1000)`; on v2 the runtime (runc,
/// crun) writes `cpu.weight = 1 + ((shares − 2) × 9999) / 262142`, integer division. Inverting
/// the weight gives the smallest share count that maps to it (a weight step is about 26 shares,
/// 25 millicores), so a whole-CPU request reads back exactly and the budget never exceeds the request.
/// The minimum (shares 2, weight 1) is a BestEffort pod's: no request.
enum CPUWeight {
    /// v2 `cpu.max` (`QUOTA PERIOD`, or `max PERIOD`: no quota).
    static func quota(v2 text: String, file: String) -> CPUReading.Limit? {
        let parts = trim(text).split(separator: " ")
        guard parts.count == 2, let quota = Double(parts[0]), let period = Double(parts[1]), quota > 0, period > 0
        else { return nil }
        return CPUReading.Limit(cpus: quota / period, detail: "\(file): \(trim(text)) = \(cpus(quota / period))")
    }

    /// v1 `cpu.cfs_quota_us` (-1: no quota) over `cpu.cfs_period_us`.
    static func quota(v1 text: String, period periodText: String?, file: String) -> CPUReading.Limit? {
        guard let quota = Double(trim(text)), let period = periodText.flatMap({ Double(trim($0)) }), quota > 0,
            period > 0
        else { return nil }
        let detail = "\(file): \(trim(text)) / \(trim(periodText!)) = \(cpus(quota / period))"
        return CPUReading.Limit(cpus: quota / period, detail: detail)
    }

    /// v1 `cpu.shares`: the request is shares / 1024 CPUs.
    static func request(shares text: String, file: String) -> CPUReading.Limit? {
        guard let shares = Int(trim(text)), shares > 2 else { return nil }
        let cpus = Double(shares) / 1024
        return CPUReading.Limit(cpus: cpus, detail: "\(file): \(shares) = \(Self.cpus(cpus)) requested")
    }

    /// v2 `cpu.weight`, inverted to the smallest share count that gives it.
    static func request(weight text: String, file: String) -> CPUReading.Limit? {
        guard let weight = Int(trim(text)), weight > 1, weight <= 10_000 else { return nil }
        let shares = 2 + ((weight - 1) * 262_142 + 9_998) / 9_999
        let cpus = Double(shares) / 1024
        return CPUReading.Limit(
            cpus: cpus,
            detail: "\(file): \(weight) ≈ \(shares) shares = \(Self.cpus(cpus)) requested"
        )
    }

    /// Shares the kubelet sets for a request of `millicores` (for tests and the docs' table).
    static func shares(millicores: Int) -> Int { max(2, millicores * 1024 / 1000) }

    /// The weight runc and crun write for `shares`.
    static func weight(shares: Int) -> Int { 1 + ((shares - 2) * 9_999) / 262_142 }

    static func trim(_ text: String) -> String {
        String(text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }

    /// `1 CPU`, `1.5 CPUs`.
    static func cpus(_ value: Double) -> String {
        let text = format(value)
        return text == "1" ? "1 CPU" : "\(text) CPUs"
    }

    /// At most three decimals, no trailing zeros.
    static func format(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        var text = String(rounded)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }
}
