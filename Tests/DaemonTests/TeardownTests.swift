//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing

@testable import DroverDaemon

@Suite struct TeardownTests {
    @Test func undoesPartsInReverseOrderOnce() {
        let teardown = Teardown()
        var undone: [String] = []
        for part in ["error log", "pid file", "control socket"] {
            teardown.add(part) { undone.append(part) }
        }
        teardown.run()
        teardown.run()
        #expect(undone == ["control socket", "pid file", "error log"])
    }
}
