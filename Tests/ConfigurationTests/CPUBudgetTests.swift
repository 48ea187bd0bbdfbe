//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverConfiguration
import Testing

@Suite("Usable CPUs: affinity and cgroup quota")
struct CPUBudgetTests {
    func cores(affinity: Int, cgroup: String, files: [String: String]) -> Int {
        CPUBudget.cores(affinity: affinity, procSelfCgroup: cgroup, cgroupRoot: "/fake", read: { files[$0] })
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
}
