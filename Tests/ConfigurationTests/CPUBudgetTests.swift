//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverConfiguration
import DroverShared
import Foundation
import Testing

@Suite("Usable CPUs: affinity, cgroup quota and request")
struct CPUBudgetTests {
    func cores(affinity: Int, cgroup: String, files: [String: String]) -> Int {
        CPUBudget.cores(affinity: affinity, procSelfCgroup: cgroup, cgroupRoot: "/fake", read: { files[$0] })
    }

    /// The budget read from a real directory tree holding `files`, as droverd reads /sys/fs/cgroup.
    func decision(
        affinity: Int = 8,
        cgroup: String,
        files: [String: String],
        fromRequest: Bool
    ) throws -> (CPUBudgetDecision, root: String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cpu-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (path, text) in files {
            let url = URL(fileURLWithPath: root + "/" + path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(),
                withIntermediateDirectories: true
            )
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let reading = CPUBudget.reading(
            affinity: affinity,
            online: 8,
            procSelfCgroup: cgroup,
            cgroupRoot: root,
            read: { try? String(contentsOfFile: $0, encoding: .utf8) }
        )
        return (reading.decision(fromRequest: fromRequest), root)
    }

    @Test("no quota: the affinity mask decides (taskset -c 0 gives 1)")
    func affinityOnly() {
        #expect(cores(affinity: 8, cgroup: "0::/user.slice\n", files: [:]) == 8)
        #expect(cores(affinity: 1, cgroup: "0::/\n", files: ["/fake/cpu.max": "max 100000\n"]) == 1)
    }

    @Test("cgroup v2: the tightest cpu.max along the path, rounded up")
    func version2() {
        let files = [
            "/fake/kubepods/cpu.max": "150000 100000\n",
            "/fake/kubepods/pod1/cpu.max": "300000 100000\n",
            "/fake/kubepods/pod1/app/cpu.max": "max 100000\n",
        ]
        #expect(cores(affinity: 64, cgroup: "0::/kubepods/pod1/app\n", files: files) == 2)
        #expect(
            cores(affinity: 64, cgroup: "0::/kubepods/pod1/app\n", files: ["/fake/kubepods/cpu.max": "50000 100000"])
                == 1
        )
        // A hybrid host mounts v2 under unified/.
        #expect(cores(affinity: 8, cgroup: "0::/a\n", files: ["/fake/unified/a/cpu.max": "400000 100000"]) == 4)
    }

    @Test("cgroup v1: cfs_quota_us / cfs_period_us of the cpu controller; -1 is unlimited")
    func version1() {
        let cgroup = "12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n1:name=systemd:/docker/abc\n"
        let limited = [
            "/fake/cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "250000\n",
            "/fake/cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n",
        ]
        #expect(cores(affinity: 16, cgroup: cgroup, files: limited) == 3)
        let unlimited = [
            "/fake/cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "-1\n",
            "/fake/cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n",
        ]
        #expect(cores(affinity: 16, cgroup: cgroup, files: unlimited) == 16)
        // The quota and the affinity: the smaller wins.
        #expect(cores(affinity: 1, cgroup: cgroup, files: limited) == 1)
    }

    @Test("nothing readable: the affinity, at least 1")
    func fallbacks() {
        #expect(CPUBudget.cores(affinity: 0, procSelfCgroup: nil, read: { _ in nil }) == 1)
        #expect(cores(affinity: 3, cgroup: "garbage", files: [:]) == 3)
    }

    @Test("a nested v2 tree on disk: the parent's cpu.max decides for the leaf without one, and says which file")
    func nestedVersion2() throws {
        let files = [
            "kubepods/pod1/cpu.max": "150000 100000\n",
            "kubepods/pod1/app/cpu.max": "max 100000\n",
            "kubepods/pod1/app/cpu.weight": "79\n",
        ]
        for fromRequest in [false, true] {
            let (budget, root) = try decision(cgroup: "0::/kubepods/pod1/app\n", files: files, fromRequest: fromRequest)
            #expect(budget.cpus == 2)
            #expect(budget.rule == .quota)
            #expect(budget.detail == "\(root)/kubepods/pod1/cpu.max: 150000 100000 = 1.5 CPUs")
        }
    }

    @Test("a nested v1 tree on disk: the parent's cfs quota decides for the leaf without one")
    func nestedVersion1() throws {
        let files = [
            "cpu/parent/cpu.cfs_quota_us": "50000\n", "cpu/parent/cpu.cfs_period_us": "100000\n",
            "cpu/parent/leaf/cpu.cfs_quota_us": "-1\n", "cpu/parent/leaf/cpu.cfs_period_us": "100000\n",
            "cpu/parent/leaf/cpu.shares": "4096\n",
        ]
        let (budget, root) = try decision(cgroup: "3:cpu,cpuacct:/parent/leaf\n", files: files, fromRequest: true)
        #expect(
            budget
                == CPUBudgetDecision(
                    cpus: 1,
                    rule: .quota,
                    detail: "\(root)/cpu/parent/cpu.cfs_quota_us: 50000 / 100000 = 0.5 CPUs"
                )
        )
    }

    @Test("requests only, v2: cpu.weight inverted (Kubernetes' shares → weight), only with cpu_from_request")
    func requestVersion2() throws {
        let cgroup = "0::/kubepods/burstable/pod1/app\n"
        // requests.cpu: 3 → shares 3072 → weight 1 + 3070 × 9999 / 262142 = 118.
        let files = [
            "kubepods/burstable/pod1/app/cpu.weight": "118\n", "kubepods/burstable/pod1/app/cpu.max": "max 100000\n",
        ]
        let (request, root) = try decision(cgroup: cgroup, files: files, fromRequest: true)
        #expect(request.cpus == 3)
        #expect(request.rule == .request)
        #expect(
            request.detail == "\(root)/kubepods/burstable/pod1/app/cpu.weight: 118 ≈ 3070 shares = 2.998 CPUs requested"
        )
        let (off, _) = try decision(cgroup: cgroup, files: files, fromRequest: false)
        #expect(off == CPUBudgetDecision(cpus: 8, rule: .host, detail: "8 online CPUs"))
        // A request larger than the affinity mask: the mask decides.
        let (masked, _) = try decision(affinity: 2, cgroup: cgroup, files: files, fromRequest: true)
        #expect(masked == CPUBudgetDecision(cpus: 2, rule: .affinity, detail: "2 of 8 online CPUs"))
        // BestEffort (no request: weight 1) says nothing.
        let (bestEffort, _) = try decision(
            cgroup: cgroup,
            files: ["kubepods/burstable/pod1/app/cpu.weight": "1\n"],
            fromRequest: true
        )
        #expect(bestEffort.rule == .host)
    }

    @Test("requests only, v1: cpu.shares / 1024, rounded up; the minimum 2 is no request")
    func requestVersion1() throws {
        let cgroup = "4:cpu,cpuacct:/kubepods/pod1/app\n"
        let (budget, root) = try decision(
            cgroup: cgroup,
            files: ["cpu,cpuacct/kubepods/pod1/app/cpu.shares": "1536\n"],
            fromRequest: true
        )
        #expect(
            budget
                == CPUBudgetDecision(
                    cpus: 2,
                    rule: .request,
                    detail: "\(root)/cpu,cpuacct/kubepods/pod1/app/cpu.shares: 1536 = 1.5 CPUs requested"
                )
        )
        let (none, _) = try decision(
            cgroup: cgroup,
            files: ["cpu,cpuacct/kubepods/pod1/app/cpu.shares": "2\n"],
            fromRequest: true
        )
        #expect(none.rule == .host)
    }

    @Test("every whole-CPU request reads back exactly through Kubernetes' shares and runc's weight", arguments: 1...64)
    func weightRoundTrip(cpus: Int) throws {
        let shares = cpus * 1024
        let weight = 1 + ((shares - 2) * 9999) / 262_142
        let reading = CPUBudget.reading(
            affinity: 128,
            procSelfCgroup: "0::/app\n",
            cgroupRoot: "/fake",
            read: { $0 == "/fake/app/cpu.weight" ? "\(weight)\n" : nil }
        )
        #expect(reading.decision(fromRequest: true).cpus == cpus)
        // 100 millicores over a whole CPU reads as the next one (a weight step is about 25 millicores).
        let over = (cpus * 1000 + 100) * 1024 / 1000
        let overWeight = 1 + ((over - 2) * 9999) / 262_142
        let overReading = CPUBudget.reading(
            affinity: 128,
            procSelfCgroup: "0::/app\n",
            cgroupRoot: "/fake",
            read: { $0 == "/fake/app/cpu.weight" ? "\(overWeight)\n" : nil }
        )
        #expect(overReading.decision(fromRequest: true).cpus == cpus + 1)
    }

    @Test("cpu_from_request and follow_cpu_limit: flags, environment, drover.toml; bad values name the culprit")
    func settings() throws {
        let reading = CPUReading(
            affinity: 8,
            request: CPUReading.Limit(cpus: 3, detail: "cpu.weight: 118")
        )
        let off = try resolve(cpu: reading)
        #expect(off.cpuBudget.rule == .host)
        #expect(off.web.workers == 8)
        #expect(off.web.automaticWorkers == AutomaticWorkers())
        #expect(!off.followCPULimit)
        let on = try resolve(environment: ["CPU_FROM_REQUEST": "true", "FOLLOW_CPU_LIMIT": "1"], cpu: reading)
        #expect(on.cpuBudget == CPUBudgetDecision(cpus: 3, rule: .request, detail: "cpu.weight: 118"))
        #expect(on.web.workers == 3)
        #expect(on.followCPULimit)
        #expect(on.sources["cpu_from_request"] == "env:CPU_FROM_REQUEST")
        let report = on.report["config"]
        #expect(report?["cpu_budget"]?["rule"]?.stringValue == "request")
        #expect(report?["cpu_budget"]?["cpus"]?.intValue == 3)
        #expect(report?["follow_cpu_limit"]?.boolValue == true)
        #expect(report?["pools"]?.arrayValue?.first?["workers_from_cpu_budget"]?.boolValue == true)
        #expect(try resolve(["--cpu-from-request", "--follow-cpu-limit"], cpu: reading).cpuBudget.cpus == 3)
        #expect(try resolve(toml: "cpu_from_request = true\n", cpu: reading).web.workers == 3)
        // A fixed count does not follow the budget.
        #expect(try resolve(environment: ["WEB_CONCURRENCY": "5"], cpu: reading).web.automaticWorkers == nil)
        #expect(try resolve(toml: "workers = 4\n").web.automaticWorkers == nil)
        #expect(resolveError(environment: ["CPU_FROM_REQUEST": "maybe"]) == "CPU_FROM_REQUEST: expected true or false")
        #expect(resolveError(environment: ["FOLLOW_CPU_LIMIT": "often"]) == "FOLLOW_CPU_LIMIT: expected true or false")
        #expect(resolveError(toml: "follow_cpu_limit = 3\n").contains("follow_cpu_limit"))
    }
}
