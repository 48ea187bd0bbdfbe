//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverConfiguration
import DroverShared
import Testing

@Suite("shutdown_delay: how long a stop leaves the workers serving, not ready")
struct ShutdownDelaySettingTests {
    @Test("0 by default; a duration from --shutdown-delay, SHUTDOWN_DELAY or drover.toml, with its source")
    func sources() throws {
        #expect(try resolve().shutdownDelay == .zero)
        let flag = try resolve(["--shutdown-delay", "5s"])
        #expect(flag.shutdownDelay == .seconds(5))
        #expect(flag.sources["shutdown_delay"] == "flag:--shutdown-delay")
        #expect(flag.report["config"]?["shutdown_delay"]?.doubleValue == 5)
        let env = try resolve(environment: ["SHUTDOWN_DELAY": "1500ms"])
        #expect(env.shutdownDelay == .milliseconds(1500))
        #expect(env.sources["shutdown_delay"] == "env:SHUTDOWN_DELAY")
        #expect(try resolve(toml: "shutdown_delay = 3\n").shutdownDelay == .seconds(3))
        #expect(try resolve(toml: "shutdown_delay = \"2m\"\n").shutdownDelay == .seconds(120))
        // The command line wins over the environment.
        #expect(
            try resolve(["--shutdown-delay", "1"], environment: ["SHUTDOWN_DELAY": "9"]).shutdownDelay == .seconds(1)
        )
    }

    @Test("a bad or out-of-range delay is refused, naming where it came from")
    func refused() {
        #expect(resolveError(["--shutdown-delay", "soon"]).contains("--shutdown-delay"))
        #expect(resolveError(environment: ["SHUTDOWN_DELAY": "-1"]).contains("SHUTDOWN_DELAY"))
        #expect(resolveError(["--shutdown-delay", "2h"]).contains("out of range"))
        #expect(resolveError(toml: "[pools.web]\nshutdown_delay = 3\n").contains("shutdown_delay"))
    }
}
