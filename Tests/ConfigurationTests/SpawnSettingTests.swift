//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverConfiguration
import DroverShared
import Testing

@Suite("spawn and preload_app: exec by default, fork per pool, --preload forks")
struct SpawnSettingTests {
    private func options(_ configuration: Configuration, pool: String = "web") -> UvicornOptions? {
        guard case .uvicorn(let options) = configuration.pools.first(where: { $0.name == pool })?.kind else {
            return nil
        }
        return options
    }

    @Test("exec without preloading by default; the report says so")
    func defaults() throws {
        let configuration = try resolve()
        #expect(options(configuration)?.spawn == .exec && options(configuration)?.preload == false)
        let pool = configuration.report["config"]?["pools"]?.arrayValue?.first
        #expect(pool?["spawn"]?.stringValue == "exec" && pool?["preload_app"]?.boolValue == false)
    }

    @Test("--spawn, SPAWN, drover.toml per pool; --preload, PRELOAD_APP, preload_app, GUNICORN_CMD_ARGS")
    func sources() throws {
        #expect(options(try resolve(["--spawn", "fork"]))?.spawn == .fork)
        #expect(options(try resolve(environment: ["SPAWN": "fork"]))?.spawn == .fork)
        let preloaded = [
            try resolve(["--preload"]), try resolve(environment: ["PRELOAD_APP": "true"]),
            try resolve(environment: ["GUNICORN_CMD_ARGS": "--preload"]),
            try resolve(["--spawn", "fork", "--preload"]),
        ]
        for configuration in preloaded {
            #expect(options(configuration)?.spawn == .fork && options(configuration)?.preload == true)
        }
        let toml = """
            spawn = "fork"

            [pools.web]
            app = "main:app"

            [pools.api]
            app = "main:app"
            bind = ["127.0.0.1:8001"]
            spawn = "exec"

            [pools.big]
            app = "main:app"
            bind = ["127.0.0.1:8002"]
            preload_app = true
            """
        let configuration = try resolve(toml: toml)
        #expect(options(configuration)?.spawn == .fork && options(configuration)?.preload == false)
        #expect(options(configuration, pool: "api")?.spawn == .exec)
        #expect(
            options(configuration, pool: "big")?.spawn == .fork && options(configuration, pool: "big")?.preload == true
        )
    }

    @Test("a bad value, preloading with exec, or a command pool told to fork: one line naming the culprit")
    func badValues() {
        for (arguments, message) in [
            (["--spawn", "clone"], "--spawn: 'clone' is not one of fork, exec"),
            (["--spawn", "exec", "--preload"], "--preload: preloading needs spawn = fork, and --spawn says exec"),
            (
                ["-k", "command", "--spawn", "fork", "--", "/bin/sleep", "1"],
                "--spawn: applies to uvicorn workers only"
            ),
        ] {
            let error = resolveError(arguments)
            #expect(error == message, "\(arguments)")
        }
        #expect(resolveError(environment: ["SPAWN": "vfork"]).contains("SPAWN"))
        // SPAWN in the environment is for the uvicorn pools: a command pool just execs.
        let command = try? resolve(["-k", "command", "--", "/bin/sleep", "1"], environment: ["SPAWN": "fork"])
        #expect(command?.pools.first?.kind == .command(arguments: ["/bin/sleep", "1"]))
        let toml = """
            [pools.web]
            app = "main:app"
            preload_app = "sometimes"
            """
        #expect(resolveError(toml: toml).contains("pools.web.preload_app"))
    }
}
