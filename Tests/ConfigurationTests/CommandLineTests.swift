//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import DroverConfiguration
import DroverShared
import Testing

@Suite("Flags")
struct CommandLineTests {
    @Test("Gunicorn's flag names and Drover's own")
    func flags() throws {
        let configuration = try resolve([
            "-w", "4", "-b", "0.0.0.0:80", "-b", "unix:/tmp/a.sock", "-k", "uvicorn-h11", "--timeout", "0",
            "--graceful-timeout", "2.5", "--boot-timeout", "10", "--keep-alive", "7", "--log-level", "DEBUG",
            "--log-format", "json", "--access-logfile", "/tmp/access.log", "--error-logfile", "/tmp/error.log",
            "--pid", "/tmp/d.pid", "--certfile", "c.pem", "--keyfile", "k.pem", "--max-requests", "1000",
            "--max-requests-jitter", "50", "--control-socket", "/tmp/ctl.sock", "--name", "shop",
            "--prestart", "/srv/pre.sh", "--launcher", "/opt/venv/bin/drover-worker", "pkg.main:create_app()",
        ])
        let pool = configuration.web
        #expect(pool.workers == 4)
        #expect(pool.binds.count == 2)
        #expect(pool.heartbeatTimeout == nil)
        #expect(pool.gracefulTimeout == .milliseconds(2500))
        #expect(pool.bootTimeout == .seconds(10))
        let options = configuration.uvicorn
        #expect(options.app == "pkg.main:create_app")
        #expect(options.factory)
        #expect(options.http == .h11)
        #expect(options.keepAlive == 7)
        #expect(options.logLevel == "debug")
        #expect(options.logFormat == .json)
        #expect(options.accessLog == .file("/tmp/access.log"))
        #expect(options.certificate == TLSFiles(certificate: "c.pem", key: "k.pem"))
        #expect(options.maxRequests == 1000)
        #expect(options.maxRequestsJitter == 50)
        #expect(options.launcher == "/opt/venv/bin/drover-worker")
        #expect(configuration.errorLog == .file("/tmp/error.log"))
        #expect(configuration.pidFile == "/tmp/d.pid")
        #expect(configuration.controlSocket == "/tmp/ctl.sock")
        #expect(configuration.name == "shop")
        #expect(configuration.prestart == "/srv/pre.sh")
        #expect(configuration.logFormat == .json)
        #expect(configuration.sources["timeout"] == "flag:--timeout")
    }

    @Test("command workers: argv after --, placeholders checked, no READY wait by default")
    func command() throws {
        let pool = try resolve(["-k", "command", "-b", "http=127.0.0.1:0", "--", "server", "--fd", "{fd:http}"]).web
        #expect(pool.kind == .command(arguments: ["server", "--fd", "{fd:http}"]))
        #expect(!pool.waitReady)
        #expect(try resolve(["-k", "command", "--wait-ready", "--", "server"]).web.waitReady)
        #expect(
            resolveError(["-k", "command", "--", "server", "{fd:admin}"])
                == "COMMAND: '{fd:admin}': {fd:admin} names no socket (1 bound)"
        )
        #expect(
            resolveError(["-k", "command", "--max-requests", "5", "--", "x"])
                == "--max-requests: applies to uvicorn workers only"
        )
    }

    @Test(
        "bad values: one line naming the flag",
        arguments: [
            (["-w", "abc"], "--workers: 'abc' is not a whole number"),
            (["-w", "-1"], "--workers: -1 is out of range (1 to 10000)"),
            (["-w", "0"], "--workers: 0 is out of range (1 to 10000)"),
            (["--timeout", "abc"], "--timeout: 'abc' is not a number of seconds"),
            (["--timeout", "nan"], "--timeout: 'nan' is not a number of seconds"),
            (["--timeout", "-1"], "--timeout: -1 is out of range (0 to 86400 seconds)"),
            (["--boot-timeout", "0"], "--boot-timeout: 0 is out of range (more than 0 to 86400 seconds)"),
            (["--log-level", "loud"], "--log-level: 'loud' is not one of"),
            (["--log-format", "xml"], "--log-format: 'xml' is not text or json"),
            (["--name", "a/b"], "--name: 'a/b' may only use"),
            (["-k", "sync"], "--worker-class: 'sync' is not a worker kind"),
            (["main:"], "APP_MODULE: 'main:' is not MODULE:VARIABLE"),
            (["main:1app"], "APP_MODULE: 'main:1app' is not MODULE:VARIABLE"),
            (["my app:app"], "APP_MODULE: 'my app:app' is not MODULE:VARIABLE"),
            (["main:make(1)"], "APP_MODULE: 'main:make(1)' is not MODULE:VARIABLE"),
            (["main:app", "--", "python3"], "'python3' after --: a command needs --worker-class command"),
            (
                ["-k", "command", "main:app", "--", "x"],
                "APP_MODULE: with --worker-class command, give the program after --"
            ),
            (["-k", "command"], "--worker-class command needs the program after --"),
            (["--certfile", "c.pem"], "--certfile: needs --keyfile too"),
            (["--keyfile", "k.pem"], "--keyfile: needs --certfile too"),
            (["--max-requests", "-5"], "--max-requests: -5 is out of range"),
            (["--pid", ""], "--pid: empty value"),
            (["-b", "1.2.3.4:99999"], "--bind: bind '1.2.3.4:99999': port '99999' is not a number from 0 to 65535"),
        ] as [([String], String)]
    )
    func badValues(arguments: [String], message: String) {
        let error = resolveError(arguments)
        #expect(error.hasPrefix(message), "\(error)")
        #expect(!error.contains("\n"))
    }

    @Test("--chdir cannot be empty")
    func emptyChdir() throws {
        #expect(throws: ConfigurationError("--chdir: the directory is empty")) {
            _ = try ConfigurationResolver.locations(
                options: try DaemonOptions.parse(["--chdir", ""]),
                environment: [:]
            )
        }
    }

    @Test("shell-like splitting of DROVER_ARGS")
    func splitting() throws {
        let configuration = try resolve(
            environment: ["DROVER_ARGS": #"--prestart "a b\"c" --control-socket x\ y --launcher 'it''s'"#]
        )
        #expect(configuration.prestart == "a b\"c")
        #expect(configuration.controlSocket == "x y")
        #expect(configuration.uvicorn.launcher == "its")
    }
}

@Suite("A command pool's binds its command never names")
struct UnusedBindTests {
    @Test("one warning when a command pool binds sockets its command never names; none with {fd} or wait_ready")
    func warning() throws {
        let unused = try resolve(["-k", "command", "-b", "127.0.0.1:8000", "--", "python3", "server.py"])
        #expect(
            unused.warnings == [
                "pool web binds 127.0.0.1:8000 but its command names no {fd}: unless it reads LISTEN_FDS, "
                    + "nobody accepts there and its workers are never ready (wait_ready = false if that is meant)"
            ]
        )
        #expect(try resolve(["-k", "command", "-b", "127.0.0.1:8000", "--", "server", "--fd", "{fd}"]).warnings == [])
        #expect(
            try resolve(["-k", "command", "-b", "127.0.0.1:8000", "--no-wait-ready", "--", "python3", "x.py"]).warnings
                == []
        )
        #expect(try resolve(["-k", "command", "--", "python3", "jobs.py"]).warnings == [])  // no bind at all
    }
}
