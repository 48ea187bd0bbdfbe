//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverConfiguration
import DroverShared
import Testing

@Suite("ready_probe: the setting, and {fd:probe}")
struct ReadyProbeSettingTests {
    @Test("from drover.toml, a flag or READY_PROBE; empty means none")
    func sources() throws {
        let toml = """
            [pools.web]
            kind = "command"
            command = ["hypercorn", "--bind", "fd://{fd}", "--bind", "fd://{fd:probe}", "main:app"]
            bind = ["127.0.0.1:8000"]
            ready_probe = "/healthz?full=1"
            """
        let web = try resolve(toml: toml).web
        #expect(web.readyProbe == "/healthz?full=1")
        #expect(web.readiness == .observed)
        #expect(try resolve(["--ready-probe", "/ping"]).web.readyProbe == "/ping")
        #expect(try resolve(environment: ["READY_PROBE": "/up"]).web.readyProbe == "/up")
        #expect(try resolve(environment: ["READY_PROBE": ""]).web.readyProbe == nil)
        #expect(try resolve().web.readyProbe == nil)
        // droverctl config / --check-config say how each pool becomes ready.
        let pool = try resolve(toml: toml).report["config"]?["pools"]?.arrayValue?.first
        #expect(pool?["readiness"]?.stringValue == "observed")
        #expect(pool?["ready_probe"]?.stringValue == "/healthz?full=1")
        #expect(try resolve().report["config"]?["pools"]?.arrayValue?.first?["readiness"]?.stringValue == "notify")
    }

    @Test("a path that is not an HTTP path is refused, naming the setting")
    func badPath() {
        #expect(resolveError(["--ready-probe", "healthz"]).contains("is not an HTTP path"))
        #expect(resolveError(environment: ["READY_PROBE": "/a b"]).contains("READY_PROBE"))
    }

    @Test("{fd:probe} names the socket after the binds, only with ready_probe")
    func placeholder() throws {
        #expect(
            CommandTemplate.expand("fd://{fd:probe}", binds: [BindAddress(.tcp(host: "::", port: 1))], probe: true)
                == "fd://4"
        )
        #expect(CommandTemplate.expand("fd://{fd:probe}", binds: [], probe: false) == "fd://{fd:probe}")
        let refused = resolveError(["-k", "command", "-b", "127.0.0.1:0", "--", "server", "{fd:probe}"])
        #expect(refused.contains("{fd:probe} names no socket"))
        let accepted = try resolve([
            "-k", "command", "-b", "127.0.0.1:0", "--ready-probe", "/", "--", "server", "{fd:probe}",
        ])
        #expect(accepted.web.readyProbe == "/")
    }
}
