//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import Testing

@Suite("Gunicorn hooks that fail")
struct HookTests {
    @Test("a failing when_ready stops droverd with exit 1, as Gunicorn's start() does")
    func startupHook() {
        var harness = Harness([uvicornPool(workers: 2)])
        harness.send(.start)
        let actions = harness.send(.hookFailed(hook: "when_ready", reason: "RuntimeError: no database"))
        #expect(
            harness.history.notices.contains(
                .hookFailed(hook: "when_ready", reason: "RuntimeError: no database", fatal: true)
            )
        )
        #expect(actions.signals.map(\.signal) == [.interrupt, .interrupt])
        for pid in harness.pids("web", state: .stopping) { _ = harness.exit(pid, .exited(0)) }
        #expect(harness.history.exitCode == 1)
    }

    @Test("any other failing hook is reported; the pools go on")
    func otherHook() {
        var harness = Harness([uvicornPool(workers: 2)])
        harness.send(.start)
        harness.readyAll()
        let actions = harness.send(.hookFailed(hook: "child_exit", reason: "ValueError: x"))
        #expect(
            harness.history.notices.contains(.hookFailed(hook: "child_exit", reason: "ValueError: x", fatal: false))
        )
        #expect(actions.signals.isEmpty)
        #expect(harness.status.pools[0].state == .running)
    }
}
