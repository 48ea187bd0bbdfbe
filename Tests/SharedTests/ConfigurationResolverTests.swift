//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Testing

@Suite("Configuration from the command line")
struct ConfigurationResolverTests {
    func resolve(_ arguments: [String]) throws -> Configuration {
        try ConfigurationResolver.resolve(arguments: arguments, environment: [:])
    }

    @Test("defaults: one uvicorn worker on 127.0.0.1:8000, Gunicorn-like timeouts, sources say default")
    func defaults() throws {
        let configuration = try resolve(["main:app"])
        #expect(configuration.name == "drover")
        #expect(configuration.logLevel == .info)
        let pool = try #require(configuration.pools.first)
        #expect(pool.name == "web")
        #expect(pool.workers == 1)
        #expect(pool.binds == [BindAddress(.tcp(host: "127.0.0.1", port: 8000))])
        #expect(pool.kind == .uvicorn(UvicornOptions(app: "main:app")))
        #expect(pool.waitReady)
        #expect(pool.heartbeatTimeout == .seconds(30))
        #expect(pool.bootTimeout == .seconds(60))
        #expect(pool.gracefulTimeout == .seconds(30))
        #expect(configuration.sources["workers"] == "default")
        #expect(configuration.sources["bind"] == "default")
    }

    @Test("flags with Gunicorn's names, and their sources")
    func flags() throws {
        let configuration = try resolve([
            "-w", "4", "-b", "0.0.0.0:80", "-b", "unix:/tmp/a.sock", "-k", "uvicorn-h11", "--timeout", "0",
            "--graceful-timeout", "2.5", "--boot-timeout", "10", "--keep-alive", "7", "--log-level", "DEBUG",
            "--name", "shop", "--launcher", "/opt/venv/bin/drover-worker", "pkg.main:api",
        ])
        let pool = try #require(configuration.pools.first)
        #expect(pool.workers == 4)
        #expect(pool.binds.count == 2)
        #expect(pool.heartbeatTimeout == nil)
        #expect(pool.gracefulTimeout == .milliseconds(2500))
        #expect(pool.bootTimeout == .seconds(10))
        guard case .uvicorn(let options) = pool.kind else {
            Issue.record("not uvicorn" as Comment)
            return
        }
        #expect(options.app == "pkg.main:api")
        #expect(options.http == .h11)
        #expect(options.keepAlive == 7)
        #expect(options.logLevel == "debug")
        #expect(options.launcher == "/opt/venv/bin/drover-worker")
        #expect(configuration.logLevel == .debug)
        #expect(configuration.name == "shop")
        #expect(configuration.sources["workers"] == "--workers")
        #expect(configuration.sources["timeout"] == "--timeout")
    }

    @Test("the seed's worker class names are aliases")
    func aliases() throws {
        for name in ["uvicorn.workers.UvicornWorker", "uvicorn_worker.UvicornWorker"] {
            guard case .uvicorn(let options) = try resolve(["-k", name, "main:app"]).pools[0].kind else {
                Issue.record("\(name) is not uvicorn")
                continue
            }
            #expect(options.http == .auto)
        }
        guard
            case .uvicorn(let h11) = try resolve(["-k", "uvicorn.workers.UvicornH11Worker", "main:app"]).pools[0].kind
        else {
            Issue.record("h11 is not uvicorn")
            return
        }
        #expect(h11.http == .h11)
    }

    @Test("command workers: argv after --, placeholders checked, no READY wait by default")
    func command() throws {
        let pool = try resolve(["-k", "command", "-b", "http=127.0.0.1:0", "--", "server", "--fd", "{fd:http}"]).pools[
            0
        ]
        #expect(pool.kind == .command(arguments: ["server", "--fd", "{fd:http}"]))
        #expect(!pool.waitReady)
        #expect(try resolve(["-k", "command", "--wait-ready", "--", "server"]).pools[0].waitReady)
        #expect(throws: ConfigurationError("command argument '{fd:admin}': {fd:admin} names no socket (1 bound)")) {
            try resolve(["-k", "command", "--", "server", "{fd:admin}"])
        }
    }

    @Test(
        "bad values: one line naming the flag",
        arguments: [
            (["-w", "abc", "main:app"], "--workers: 'abc' is not a whole number"),
            (["-w", "-1", "main:app"], "--workers: -1 is out of range (0 to 10000)"),
            (["--timeout", "abc", "main:app"], "--timeout: 'abc' is not a number of seconds"),
            (["--timeout", "nan", "main:app"], "--timeout: 'nan' is not a number of seconds"),
            (["--timeout", "-1", "main:app"], "--timeout: -1 is out of range (0 to 86400 seconds)"),
            (["--boot-timeout", "0", "main:app"], "--boot-timeout: 0 is out of range (more than 0 to 86400 seconds)"),
            (["--log-level", "loud", "main:app"], "--log-level: 'loud' is not one of"),
            (["--name", "a/b", "main:app"], "--name: 'a/b' may only use"),
            (["-k", "sync", "main:app"], "--worker-class: 'sync' is not a worker kind"),
            ([], "APP_MODULE is missing"),
            (["main:"], "APP_MODULE: 'main:' is not MODULE:VARIABLE"),
            (["1main:app"], "APP_MODULE: '1main:app' is not MODULE:VARIABLE"),
            (["main:app", "--", "python3"], "a command needs --worker-class command"),
            (["-k", "command", "main:app", "--", "x"], "give the program after -- instead of APP_MODULE"),
            (["--chdir", "", "main:app"], "--chdir: the directory is empty"),
            (["--bogus", "main:app"], "Unknown option '--bogus'"),
        ]
    )
    func badValues(arguments: [String], message: String) {
        #expect {
            try resolve(arguments)
        } throws: { error in
            let text = "\(error)"
            return text.contains(message) && !text.contains("\n")
        }
    }
}
