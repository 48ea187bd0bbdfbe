//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverConfiguration
import DroverShared
import Testing

@Suite("ops_bind: where the ops listener listens")
struct OpsBindTests {
    @Test("off by default; HOST:PORT or unix:PATH from a flag, DROVER_OPS_BIND or drover.toml, with its source")
    func sources() throws {
        #expect(try resolve().opsBind == nil)
        let flag = try resolve(["--ops-bind", "0.0.0.0:9100"])
        #expect(flag.opsBind == BindAddress(.tcp(host: "0.0.0.0", port: 9100)))
        #expect(flag.sources["ops_bind"] == "flag:--ops-bind")
        let env = try resolve(environment: ["DROVER_OPS_BIND": "unix:/run/app/ops.sock"])
        #expect(env.opsBind == BindAddress(.unix(path: "/run/app/ops.sock")))
        #expect(try resolve(toml: "ops_bind = \"[::1]:9100\"\n").opsBind == BindAddress(.tcp(host: "::1", port: 9100)))
        #expect(try resolve(["--ops-bind", "127.0.0.1:0"]).report["config"]?["ops_bind"]?.stringValue == "127.0.0.1:0")
    }

    @Test("a systemd socket, a named bind or a bad address is refused, naming the setting")
    func refused() {
        #expect(resolveError(["--ops-bind", "fd://ops"]).contains("is not HOST:PORT or unix:PATH"))
        #expect(resolveError(["--ops-bind", "ops=127.0.0.1:9100"]).contains("is not HOST:PORT or unix:PATH"))
        #expect(resolveError(environment: ["DROVER_OPS_BIND": "127.0.0.1:99999"]).contains("DROVER_OPS_BIND"))
    }

    @Test(
        "app_metrics: on by default; off by --no-app-metrics, DROVER_APP_METRICS=false or drover.toml, with its source"
    )
    func appMetrics() throws {
        let byDefault = try resolve()
        #expect(byDefault.appMetrics)
        #expect(byDefault.report["config"]?["app_metrics"]?.boolValue == true)
        let flag = try resolve(["--no-app-metrics"])
        #expect(!flag.appMetrics)
        #expect(flag.sources["app_metrics"] == "flag:--no-app-metrics")
        #expect(try !resolve(environment: ["DROVER_APP_METRICS": "false"]).appMetrics)
        #expect(try !resolve(toml: "app_metrics = false\n").appMetrics)
        #expect(try resolve(["--app-metrics"], toml: "app_metrics = false\n").appMetrics)
        #expect(resolveError(environment: ["DROVER_APP_METRICS": "maybe"]).contains("DROVER_APP_METRICS"))
    }
}
