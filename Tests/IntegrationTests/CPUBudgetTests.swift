//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Foundation
import Testing

extension Integration {
    /// The CPU budget in real cgroups: droverd runs in the leaf of a nested tree the test makes.
    @Suite("CPU budget in real cgroups")
    struct CPUBudgetTests {
        /// Two workers per CPU, so one CPU (2 workers, the floor too) and two (4) differ on a 2-CPU host.
        static let environment = ["WORKERS_PER_CORE": "2"]

        /// droverd in the tree's leaf, serving testapp on a free port.
        func start(
            in tree: CPUCgroupTree,
            _ arguments: [String] = [],
            environment: [String: String] = [:]
        ) throws
            -> DroverProcess
        {
            try DroverProcess(
                tree.entering(
                    Paths.droverd,
                    ["-b", "127.0.0.1:0", "--graceful-timeout", "5"] + arguments + ["testapp:app"]
                ),
                environment: Self.environment.merging(environment) { $1 },
                executable: "/bin/sh"
            )
        }

        /// `droverctl config`'s `cpu_budget` and the first pool's worker count.
        func budget(_ drover: DroverProcess) throws -> (JSONValue?, Int?) {
            let reply = try JSONValue(parsing: drover.ctl("--json", "config").output)
            let config = reply["result"]?["config"]
            return (config?["cpu_budget"], config?["pools"]?.arrayValue?.first?["workers"]?.intValue)
        }

        func nested(_ version: CPUCgroupTree.Version) throws {
            let tree = try CPUCgroupTree(version)
            try tree.setParentQuota(0.5)
            let drover = try start(in: tree)
            #expect(try drover.waitForReady(2).count == 2)
            let (budget, workers) = try budget(drover)
            #expect(workers == 2)
            #expect(budget?["rule"]?.stringValue == "quota")
            #expect(budget?["cpus"]?.intValue == 1)
            #expect(
                budget?["detail"]?.stringValue?.hasPrefix(tree.quotaFile + ": ") == true,
                "\(String(describing: budget))"
            )
            #expect(drover.log.contains("CPU budget: 1 CPU (quota: \(tree.quotaFile)"))
            #expect(try drover.stop() == 0)
        }

        @Test(
            "cgroup v1: the parent's cfs quota (0.5 CPU) sizes the pool of droverd in the leaf; config names the file",
            .enabled(if: CPUCgroupTree.unavailable(.v1) == nil, "\(CPUCgroupTree.unavailable(.v1) ?? "")")
        )
        func nestedVersion1() throws { try nested(.v1) }

        @Test(
            "cgroup v2: the parent's cpu.max (0.5 CPU) sizes the pool of droverd in the leaf; config names the file",
            .enabled(if: CPUCgroupTree.unavailable(.v2) == nil, "\(CPUCgroupTree.unavailable(.v2) ?? "")")
        )
        func nestedVersion2() throws { try nested(.v2) }

        @Test(
            "requests only: with cpu_from_request the leaf's weight (500m) sizes the pool; without it, the host's CPUs",
            .enabled(
                if: CPUCgroupTree.available != nil,
                "no cpu cgroup can be made here (root, and v1's cpu or a delegating v2)"
            )
        )
        func requestsOnly() throws {
            let tree = try CPUCgroupTree(CPUCgroupTree.available!)
            try tree.setLeafRequest(millicores: 500)
            let drover = try start(in: tree, ["--cpu-from-request"])
            #expect(try drover.waitForReady(2).count == 2)
            let (budget, workers) = try budget(drover)
            #expect(workers == 2)
            #expect(budget?["rule"]?.stringValue == "request")
            #expect(
                budget?["detail"]?.stringValue?.hasPrefix(tree.leaf + "/cpu.") == true,
                "\(String(describing: budget))"
            )
            #expect(try drover.stop() == 0)

            // Without the setting the weight is not a budget: every CPU the host may give.
            let check = try DroverProcess(
                tree.entering(Paths.droverd, ["--check-config", "-b", "127.0.0.1:0", "testapp:app"]),
                environment: Self.environment,
                executable: "/bin/sh"
            )
            #expect(try check.waitForExit() == 0)
            let report = try JSONValue(parsing: check.output)
            let online = ProcessInfo.processInfo.activeProcessorCount
            #expect(report["config"]?["cpu_budget"]?["cpus"]?.intValue == online)
            #expect(report["config"]?["pools"]?.arrayValue?.first?["workers"]?.intValue == max(2, 2 * online))
        }

        @Test(
            "follow_cpu_limit: the parent's quota raised and lowered live, the pool grows and shrinks with no failed request; a manual scale pins it",
            .enabled(
                if: CPUCgroupTree.available != nil,
                "no cpu cgroup can be made here (root, and v1's cpu or a delegating v2)"
            ),
            .enabled(
                if: ProcessInfo.processInfo.activeProcessorCount >= 2,
                "the host needs 2 CPUs for the quota to matter"
            )
        )
        func follows() throws {
            let tree = try CPUCgroupTree(CPUCgroupTree.available!)
            try tree.setParentQuota(1)
            let drover = try start(
                in: tree,
                ["--follow-cpu-limit"],
                environment: ["DROVER_TEST_CPU_RECHECK": "0.2"]
            )
            try drover.waitForReady(2)
            try drover.waitUntilReady()
            #expect(drover.log.contains("Following the CPU budget: re-read every 0.2s"))
            let port = try drover.port()
            let events = try drover.subscribeToEvents()
            defer { events.terminate() }
            let load = LoadGenerator(port: port, fresh: 2, keepAlive: 2, limit: 90)
            func waitForEvent(_ parts: [String], after count: Int = 0) throws -> String {
                try waitFor("an event with \(parts)\n\(events.output)", timeout: 30) {
                    events.output.split(separator: "\n").dropFirst(count).first { line in
                        parts.allSatisfy { line.contains($0) }
                    }.map(String.init)
                }
            }

            // Raised: 1 CPU → 2 CPUs, 2 workers → 4, the new ones started before anything stops.
            try tree.setParentQuota(2)
            let grown = try waitForEvent([#""event":"cpu_budget_changed""#, #""from":1"#, #""to":2"#])
            #expect(grown.contains("quota: \(tree.quotaFile)") || grown.contains("host"), "\(grown)")
            _ = try waitForEvent([#""event":"scaled""#, #""pool":"web""#, #""from":2"#, #""to":4"#])
            try drover.waitForReady(4)
            try drover.waitUntilReady()
            #expect(!events.output.contains("worker_stopping"))

            // Lowered: back to 1 CPU, the two highest slots drain and exit.
            try tree.setParentQuota(1)
            _ = try waitForEvent([#""event":"scaled""#, #""from":4"#, #""to":2"#])
            let lines = events.output.split(separator: "\n").count
            try waitFor("the retired workers' exits\n\(events.output)", timeout: 30) {
                events.output.split(separator: "\n").filter { $0.contains("worker_exited") }.count >= 2 ? true : nil
            }
            let (budget, workers) = try budget(drover)
            #expect(workers == 2)
            #expect(budget?["cpus"]?.intValue == 1)
            #expect(budget?["rule"]?.stringValue == "quota")

            // An operator's scale pins the size: the next change is told, and nothing resizes.
            #expect(try drover.ctl("scale", "web", "3").status == 0)
            try tree.setParentQuota(2)
            let seen = events.output.split(separator: "\n").count
            _ = try waitForEvent([#""event":"cpu_budget_changed""#, #""to":2"#], after: lines)
            #expect(
                !events.output.split(separator: "\n").dropFirst(seen).contains {
                    $0.contains(#""event":"scaled""#) && $0.contains(#""from":3"#)
                }
            )

            try load.stop()
            #expect(load.failureList.isEmpty, "\(load.failureList.prefix(5))")
            #expect(load.succeeded > 0)
            #expect(load.answeringPIDs.count >= 3)
            #expect(drover.log.contains("CPU budget changed from 1 to 2 CPUs"))
            #expect(try drover.stop() == 0)
        }
    }
}
