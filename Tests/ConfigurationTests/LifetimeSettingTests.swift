//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverConfiguration
import DroverShared
import Testing

@Suite("max_worker_lifetime and lifetime_jitter: durations, per pool, off by default")
struct LifetimeSettingTests {
    @Test("off by default; 0 is off")
    func offByDefault() throws {
        #expect(try resolve().web.maxWorkerLifetime == nil)
        #expect(try resolve().web.lifetimeJitter == .zero)
        #expect(try resolve(["--max-worker-lifetime", "0"]).web.maxWorkerLifetime == nil)
        let pool = try resolve().report["config"]?["pools"]?.arrayValue?.first
        #expect(pool?["max_worker_lifetime"]?.intValue == 0)
    }

    @Test("a number of seconds, or a number with ms, s, m, h or d; from a flag, the environment or drover.toml")
    func sources() throws {
        #expect(try resolve(["--max-worker-lifetime", "3600"]).web.maxWorkerLifetime == .seconds(3600))
        #expect(try resolve(["--max-worker-lifetime", "6h"]).web.maxWorkerLifetime == .seconds(6 * 3600))
        #expect(try resolve(["--max-worker-lifetime", "1.5m"]).web.maxWorkerLifetime == .seconds(90))
        #expect(try resolve(["--max-worker-lifetime", "2d"]).web.maxWorkerLifetime == .seconds(2 * 86_400))
        #expect(try resolve(["--max-worker-lifetime", "500ms"]).web.maxWorkerLifetime == .milliseconds(500))
        #expect(try resolve(["--lifetime-jitter", "30s"]).web.lifetimeJitter == .seconds(30))
        let environment = ["MAX_WORKER_LIFETIME": "30m", "LIFETIME_JITTER": "5m"]
        let fromEnvironment = try resolve(environment: environment).web
        #expect(fromEnvironment.maxWorkerLifetime == .seconds(1800) && fromEnvironment.lifetimeJitter == .seconds(300))
        let toml = """
            max_worker_lifetime = 3600
            lifetime_jitter = "10m"

            [pools.web]
            app = "main:app"

            [pools.api]
            app = "main:app"
            bind = ["127.0.0.1:8001"]
            max_worker_lifetime = "6h"
            lifetime_jitter = 0
            """
        let pools = try resolve(toml: toml).pools
        let web = try #require(pools.first { $0.name == "web" })
        let api = try #require(pools.first { $0.name == "api" })
        #expect(web.maxWorkerLifetime == .seconds(3600) && web.lifetimeJitter == .seconds(600))
        #expect(api.maxWorkerLifetime == .seconds(6 * 3600) && api.lifetimeJitter == .zero)
    }

    @Test("a bad value gets one line naming the culprit")
    func badValues() {
        for (arguments, message) in [
            (
                ["--max-worker-lifetime", "soon"],
                "--max-worker-lifetime: 'soon' is not a duration (e.g. 6h, 30m, 3600)"
            ),
            (["--max-worker-lifetime", "6 hours"], "--max-worker-lifetime: '6 hours' is not a duration"),
            (["--max-worker-lifetime", "-1h"], "--max-worker-lifetime: -3600 is out of range (0 to 31622400 seconds)"),
            (["--max-worker-lifetime", "400d"], "--max-worker-lifetime: 34560000 is out of range"),
            (["--lifetime-jitter", "nanh"], "--lifetime-jitter: 'nanh' is not a duration"),
            (["--lifetime-jitter", "0.1ms"], "--lifetime-jitter: 0.0001 is less than a millisecond"),
        ] {
            let error = resolveError(arguments)
            #expect(error.hasPrefix(message), "\(arguments)")
            #expect(!error.contains("\n"))
        }
        #expect(resolveError(environment: ["MAX_WORKER_LIFETIME": "x"]).contains("MAX_WORKER_LIFETIME"))
        let toml = """
            [pools.web]
            app = "main:app"
            max_worker_lifetime = true
            """
        #expect(resolveError(toml: toml).contains("max_worker_lifetime"))
    }
}
