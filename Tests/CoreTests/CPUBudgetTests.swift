//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import Testing

@Suite("follow_cpu_limit: the core resizes the pools sized from the CPU budget")
struct CPUBudgetTests {
    /// A pool sized from the budget (2 per CPU, at least 2), a fixed one, and a command pool.
    func harness(cpus: Int = 2) -> Harness {
        var automatic = uvicornPool(workers: AutomaticWorkers(workersPerCore: 2).count(cores: cpus))
        automatic.automaticWorkers = AutomaticWorkers(workersPerCore: 2)
        return Harness.running([automatic, uvicornPool("fixed", workers: 3), commandPool(workers: 1)])
    }

    @Test("a larger budget adds slots to the automatic pool only, surge first: nothing is stopped")
    func grows() {
        var harness = harness()
        let actions = harness.send(.cpuBudgetChanged(cpus: 4, was: 2, rule: "quota: cpu.max"))
        #expect(actions.notices.first == .cpuBudgetChanged(from: 2, to: 4, rule: "quota: cpu.max"))
        #expect(actions.notices.contains(.scaled(pool: "web", from: 4, to: 8)))
        #expect(actions.spawns.map(\.slot) == [4, 5, 6, 7])
        #expect(actions.signals.isEmpty)
        #expect(harness.pool().desired == 8)
        #expect(harness.pool("fixed").desired == 3)
        #expect(harness.pool("jobs").desired == 1)
    }

    @Test("a smaller budget retires the highest slots gracefully, never below the seed's floor of 2")
    func shrinks() {
        var harness = harness()
        let actions = harness.send(.cpuBudgetChanged(cpus: 1, was: 2, rule: "quota: cpu.max"))
        #expect(actions.notices.contains(.scaled(pool: "web", from: 4, to: 2)))
        #expect(actions.signals.count == 2)
        #expect(actions.signals.allSatisfy { $0.signal == .terminate })
        #expect(harness.pool().desired == 2)
        #expect(harness.pool().running == 4)  // the retired ones drain
    }

    @Test("after an operator's scale the pool keeps its size; a reload that changes the size lets it follow again")
    func manualScalePins() {
        var harness = harness()
        harness.send(.command(.scale(pool: "web", ScaleChange(.to(3))), from: .signal))
        var actions = harness.send(.cpuBudgetChanged(cpus: 1, was: 2, rule: "quota"))
        #expect(actions.notices == [.cpuBudgetChanged(from: 2, to: 1, rule: "quota")])
        #expect(harness.pool().desired == 3)
        var pool = uvicornPool(workers: 6)
        pool.automaticWorkers = AutomaticWorkers(workersPerCore: 2)
        let id = harness.send(.command(.reload, from: .signal)).configurationLoads.first!
        harness.send(.configurationLoaded(id, .success([pool])))
        harness.readyAll()
        harness.exitStopping()
        #expect(harness.pool().desired == 6)
        actions = harness.send(.cpuBudgetChanged(cpus: 1, was: 3, rule: "quota"))
        #expect(actions.notices.contains(.scaled(pool: "web", from: 6, to: 2)))
    }

    @Test(
        "a change during a rollout that then fails: the pool goes back to the old configuration at the new budget's size"
    )
    func duringFailedRollout() {
        var harness = harness()
        var pool = uvicornPool(workers: 4)
        pool.automaticWorkers = AutomaticWorkers(workersPerCore: 2)
        let id = harness.send(.command(.reload, from: .signal)).configurationLoads.first!
        harness.send(.configurationLoaded(id, .success([pool])))
        let actions = harness.send(.cpuBudgetChanged(cpus: 3, was: 2, rule: "quota"))
        #expect(actions.notices.contains(.scaled(pool: "web", from: 4, to: 6)))
        harness.exit(harness.pids(state: .starting)[0], .exited(3))
        #expect(harness.pool().generation == 1)
        #expect(harness.pool().desired == 6)
    }

    @Test("the same count, or a stopping droverd: no resize")
    func nothingToDo() {
        var harness = harness(cpus: 1)
        var actions = harness.send(.cpuBudgetChanged(cpus: 1, was: 1, rule: "host"))
        #expect(actions.notices.isEmpty)
        harness.send(.command(.stop(.graceful), from: .signal))
        actions = harness.send(.cpuBudgetChanged(cpus: 4, was: 1, rule: "host"))
        #expect(actions.spawns.isEmpty)
        #expect(!actions.notices.contains { if case .scaled = $0 { true } else { false } })
    }
}
