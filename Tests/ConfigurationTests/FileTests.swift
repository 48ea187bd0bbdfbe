//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverConfiguration
import DroverShared
import Foundation
import Testing

@Suite("drover.toml")
struct FileTests {
    let twoPools = """
        # Defaults for every pool.
        log_level = "warning"
        timeout = 30
        graceful_timeout = 20
        bind = ["127.0.0.1:9000"]
        env = { REGION = "eu", MODE = "prod" }

        [pools.web]
        kind = "uvicorn"
        app = "main:app"
        workers = 3
        env = { MODE = "web" }

        [pools.jobs]
        kind = "command"
        command = ["python3", "jobs.py"]
        workers = 2
        wait_ready = true
        """

    @Test("two pools in file order; top-level values are every pool's defaults; a pool's own win")
    func pools() throws {
        let configuration = try resolve(toml: twoPools)
        #expect(configuration.pools.map(\.name) == ["web", "jobs"])
        let web = configuration.pools[0]
        let jobs = configuration.pools[1]
        #expect(web.workers == 3)
        #expect(web.binds == [BindAddress(.tcp(host: "127.0.0.1", port: 9000))])
        #expect(web.heartbeatTimeout == .seconds(30))
        #expect(web.gracefulTimeout == .seconds(20))
        #expect(web.environment == [EnvironmentVariable("REGION", "eu"), EnvironmentVariable("MODE", "web")])
        #expect(jobs.kind == .command(arguments: ["python3", "jobs.py"]))
        #expect(jobs.workers == 2)
        #expect(jobs.waitReady)
        // A command pool listens only where its table says.
        #expect(jobs.binds == [])
        #expect(jobs.environment == [EnvironmentVariable("MODE", "prod"), EnvironmentVariable("REGION", "eu")])
        #expect(configuration.logLevel == .warning)
        #expect(configuration.sources["pools.web.workers"] == "file:drover.toml:11")
        #expect(configuration.sources["pools.jobs.kind"] == "file:drover.toml:15")
        #expect(configuration.file == "drover.toml")
    }

    @Test("flags and environment set the defaults for every pool; a pool's own value wins")
    func poolSpecificity() throws {
        let configuration = try resolve(["--timeout", "5", "-w", "9"], toml: twoPools)
        #expect(configuration.pools[0].heartbeatTimeout == .seconds(5))
        #expect(configuration.pools[0].workers == 3)
        #expect(configuration.pools[1].workers == 2)
        let inherited = try resolve(["-w", "9"], toml: "[pools.a]\napp = \"main:app\"\n")
        #expect(inherited.pools[0].workers == 9)
        #expect(inherited.pools[0].name == "a")
    }

    @Test("without pools, the file's top-level values describe the one pool named web")
    func singlePool() throws {
        let configuration = try resolve(toml: "workers = 3\nbind = [\"unix:/tmp/web.sock\"]\nmax_requests = 500\n")
        #expect(configuration.pools.map(\.name) == ["web"])
        #expect(configuration.web.workers == 3)
        #expect(configuration.uvicorn.maxRequests == 500)
    }

    @Test(
        "errors name the file, the line and the key",
        arguments: [
            ("workers = 3\nwrokers = 4\n", "drover.toml:2: unknown key 'wrokers' (did you mean 'workers'?)"),
            ("workers = \"three\"\n", "drover.toml:1: workers: 'three' is not a whole number"),
            ("timeout = true\n", "drover.toml:1: timeout: expected a number of seconds"),
            ("timeout = -4\n", "drover.toml:1: timeout: -4 is out of range (0 to 86400 seconds)"),
            ("bind = [1, 2]\n", "drover.toml:1: bind: expected a list of strings, got an array"),
            ("bind = [\"[::1\"]\n", "drover.toml:1: bind: bind '[::1': missing ']'"),
            ("log_level = 3\n", "drover.toml:1: log_level: expected a string"),
            (
                "workers = 3\n[pools.web]\nworkers = 0\n",
                "drover.toml:3: pools.web.workers: 0 is out of range (1 to 10000)"
            ),
            ("[pools.web]\nthreads = 4\n", "drover.toml:2: unknown key 'pools.web.threads'"),
            ("[pools.jobs]\nkind = \"command\"\n", "pools.jobs: kind = \"command\" needs command"),
            ("[pools.web]\nkind = \"fast\"\n", "drover.toml:2: pools.web.kind: 'fast' is not a worker kind"),
            (
                "[pools.web]\ncommand = [\"x\"]\n",
                "drover.toml:2: pools.web.command: command is for kind = \"command\" pools"
            ),
            (
                "[pools.jobs]\nkind = \"command\"\ncommand = [\"x\"]\napp = \"a:b\"\n",
                "drover.toml:4: pools.jobs.app: app is for uvicorn pools"
            ),
            ("[pools.web]\nenv = { A = 1 }\n", "drover.toml:2: pools.web.env.A: expected a string"),
            ("chdir = \"/srv\"\n", "drover.toml:1: unknown key 'chdir'"),
            ("pools = 3\n", "drover.toml:1: pools: expected tables [pools.NAME]"),
            ("workers = \n", "drover.toml:1: invalid TOML"),
            ("[pools.\"a b\"]\napp = \"m:a\"\n", "pools.a b: a pool name may use"),
        ] as [(String, String)]
    )
    func errors(toml: String, message: String) {
        let error = resolveError(toml: toml, files: ["main.py"])
        #expect(error.contains(message), "\(error)")
        #expect(!error.contains("\n"))
    }

    @Test("integers are accepted where seconds are expected (graceful_timeout = 30)")
    func integerSeconds() throws {
        #expect(try resolve(toml: "graceful_timeout = 30\nkeep_alive = 2.5\n").web.gracefulTimeout == .seconds(30))
        #expect(try resolve(toml: "graceful_timeout = 30\nkeep_alive = 2.5\n").uvicorn.keepAlive == 2.5)
    }

    @Test("the annotated example in the repository is valid")
    func shippedExample() throws {
        let text = try String(contentsOfFile: examplePath, encoding: .utf8)
        let configuration = try resolve(toml: text)
        #expect(configuration.pools.count == 2)
    }
}

private let examplePath: String = {
    var components = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    components.removeLast(3)
    return components.joined(separator: "/") + "/examples/drover.toml"
}()
