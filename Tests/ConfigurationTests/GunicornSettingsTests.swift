//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Testing

@testable import DroverConfiguration

@Suite("Gunicorn's settings, flags and configuration files")
struct GunicornSettingsTests {
    /// A value each kind of setting accepts.
    static func sample(_ spec: SettingSpec) -> String? {
        switch spec.setting {
        case .bind: return "127.0.0.1:8001"
        case .workerClass: return "uvicorn.workers.UvicornH11Worker"
        case .logLevel: return "debug"
        case .umask: return "0o22"
        case .app: return nil
        case .config, .chdir: return nil
        default: break
        }
        if spec.shape == .flag { return "" }
        switch spec.launcher?.kind {
        case .integer(let range)?: return String(range.upperBound)
        case .choice(let words)?: return words.last!
        case .json?: return nil
        default: break
        }
        if spec.setting == .rawEnv { return "A=1" }
        return ["N", "SECONDS"].contains(spec.valueName) ? "7" : "/tmp/x"
    }

    @Test("every Gunicorn flag of Drover's settings in GUNICORN_CMD_ARGS sets that setting, whatever its spelling")
    func drovers() throws {
        for spec in SettingRegistry.all where spec.gunicorn != nil {
            for flag in spec.gunicornCommandFlags {
                guard let value = Self.sample(spec) else { continue }
                let text = value.isEmpty ? flag : "\(flag) '\(value)'"
                var environment = ["GUNICORN_CMD_ARGS": text]
                if spec.setting == .certfile { environment["GUNICORN_CMD_ARGS"]! += " --keyfile k.pem" }
                if spec.setting == .keyfile { environment["GUNICORN_CMD_ARGS"]! += " --certfile c.pem" }
                let configuration = try resolve(environment: environment)
                #expect(
                    configuration.sources[spec.setting.rawValue]?.hasPrefix("env:GUNICORN_CMD_ARGS --") == true,
                    "\(text): \(configuration.sources[spec.setting.rawValue] ?? "not set")"
                )
            }
        }
    }

    @Test("settings the workers apply reach the launcher's command line, checked first")
    func passedOn() throws {
        let configuration = try resolve(environment: [
            "GUNICORN_CMD_ARGS":
                "--forwarded-allow-ips '*' --root-path /api --limit-request-line 100 --limit-request-field_size 200 -u nobody -m 022 --initgroups --access-logformat '%(h)s %(s)s' --pythonpath /a,/b -n myapp --asgi-loop asyncio --backlog 64"
        ])
        let arguments = configuration.uvicorn.launcherArguments
        for pair in [
            ["--forwarded-allow-ips", "*"], ["--root-path", "/api"], ["--limit-request-line", "100"],
            ["--limit-request-field-size", "200"], ["--user", "nobody"],
            ["--access-logformat", "%(h)s %(s)s"], ["--pythonpath", "/a,/b"], ["--proc-name", "myapp"],
            ["--loop", "asyncio"], ["--backlog", "64"],
        ] {
            #expect(arguments.indices.contains { Array(arguments[$0...].prefix(2)) == pair }, "\(pair) in \(arguments)")
        }
        #expect(arguments.contains("--initgroups"))
        #expect(configuration.backlog == 64)
        #expect(
            resolveError(environment: ["GUNICORN_CMD_ARGS": "--limit-request-line -1"])
                == "GUNICORN_CMD_ARGS: --limit-request-line: -1 is out of range (0 to 1000000000)"
        )
        #expect(try resolve(environment: ["GUNICORN_CMD_ARGS": "-m 0o07"]).umask == 7)
        #expect(
            resolveError(environment: ["GUNICORN_CMD_ARGS": "--umask 9z"])
                == "GUNICORN_CMD_ARGS: --umask: '9z' is not a mode (e.g. 0o22 or 18)"
        )
        #expect(resolveError(["--asgi-loop", "trio"]) == "--asgi-loop: 'trio' is not one of auto, asyncio, uvloop")
        #expect(resolveError(["-e", "NOEQUALS"]) == "--env: 'NOEQUALS' is not NAME=VALUE")
        let environment = try resolve(["-e", "A=1", "--env", "B=x=y"]).web.environment
        #expect(environment == [EnvironmentVariable("A", "1"), EnvironmentVariable("B", "x=y")])
    }

    @Test("Gunicorn's other settings: ignored with one line naming them, or refused with what to use")
    func others() throws {
        for setting in GunicornOnlySetting.all {
            for flag in setting.flags {
                var text = flag
                if case .value = setting.arity { text += " 1" }
                switch setting.status {
                case .ignored:
                    let notices = try resolve(environment: ["GUNICORN_CMD_ARGS": text]).notices
                    #expect(
                        notices.contains { $0.hasPrefix("GUNICORN_CMD_ARGS: \(setting.flags.last!) is ignored: ") },
                        "\(text): \(notices)"
                    )
                case .refused:
                    let message = resolveError(environment: ["GUNICORN_CMD_ARGS": text])
                    #expect(message.hasPrefix("GUNICORN_CMD_ARGS: \(setting.flags.last!): "), "\(text): \(message)")
                case .hook:
                    Issue.record("a hook has no flag: \(flag)")
                }
            }
        }
        #expect(resolveError(["--daemon"]).contains("droverd stays in the foreground"))
        // --proxy-protocol takes an optional mode.
        #expect(try resolve(environment: ["GUNICORN_CMD_ARGS": "--proxy-protocol --workers 3"]).web.workers == 3)
        #expect(try resolve(environment: ["GUNICORN_CMD_ARGS": "--proxy-protocol v2 --workers 3"]).web.workers == 3)
    }

    @Test("GUNICORN_CMD_ARGS has Gunicorn's meanings: --name is proc_name; Drover's own flags are refused")
    func dialect() throws {
        let configuration = try resolve(environment: ["GUNICORN_CMD_ARGS": "--name shop"])
        #expect(configuration.name == "drover")
        #expect(configuration.uvicorn.launcherArguments.suffix(2) == ["--proc-name", "shop"])
        #expect(try resolve(["--name", "shop"]).name == "shop")
        #expect(
            resolveError(environment: ["GUNICORN_CMD_ARGS": "--launcher x"])
                == "GUNICORN_CMD_ARGS: --launcher is not a Gunicorn flag; put it in DROVER_ARGS"
        )
        #expect(resolveError(["--wrokers", "2"]) == "unknown option '--wrokers' (did you mean '--workers'?)")
        #expect(try resolve(["-t", "9", "-w3", "--keep-alive=4"]).web.heartbeatTimeout == .seconds(9))
        #expect(try resolve(["-w3"]).web.workers == 3)
    }

    @Test("--reload-extra-file adds to the files that count in reload mode")
    func reloadExtraFiles() throws {
        let configuration = try resolve(environment: ["GUNICORN_CMD_ARGS": "--reload --reload-extra-file '*.html'"])
        #expect(configuration.reload)
        #expect(configuration.reloadFilter.include == ["*.py", "*.html"])
    }
}

@Suite("Gunicorn configuration files (Python)")
struct PythonConfigurationTests {
    /// Resolves with a Python configuration file that the launcher read as `result`.
    static func resolve(
        _ result: String,
        arguments: [String] = [],
        environment: [String: String] = [:]
    ) throws -> Configuration {
        try ConfigurationResolver.resolve(
            ConfigurationInputs(
                options: try DaemonOptions.parse(arguments),
                environment: environment,
                python: try PythonConfigurationFile(path: "/app/gunicorn_conf.py", result: result),
                cores: 2,
                fileExists: { $0 == "main.py" }
            )
        )
    }

    static let seedFixture =
        #"{"settings": {"loglevel": "warning", "workers": 3, "bind": ["0.0.0.0:8000"], "errorlog": "-"}, "hooks": [], "unknown": ["json"], "error": null}"#

    @Test("drover_workers_from_cpu = True: the file's workers give way to droverd's count, which follows the budget")
    func workersFromCPU() throws {
        func file(_ flag: String, workers: Int = 3) -> String {
            #"{"settings": {"workers": \#(workers)}, "hooks": [], "drover": {"drover_workers_from_cpu": \#(flag)}, "unknown": ["web_concurrency"], "error": null}"#
        }
        let computed = try Self.resolve(file("true"))
        #expect(computed.web.workers == 2)  // max(1 × 2 CPUs, 2), not the file's 3
        #expect(computed.web.automaticWorkers == AutomaticWorkers())
        #expect(computed.sources["workers"]?.contains("per core") == true)
        let perCore = try Self.resolve(file("true"), environment: ["WORKERS_PER_CORE": "3", "MAX_WORKERS": "5"])
        #expect(perCore.web.workers == 5)
        #expect(perCore.web.automaticWorkers == AutomaticWorkers(workersPerCore: 3, maxWorkers: 5))
        // Another source of workers still fixes it; so does a file that does not say so.
        let flagged = try Self.resolve(file("true"), environment: ["GUNICORN_CMD_ARGS": "-w 4"])
        #expect(flagged.web.workers == 4 && flagged.web.automaticWorkers == nil)
        let fixed = try Self.resolve(file("false"))
        #expect(fixed.web.workers == 3 && fixed.web.automaticWorkers == nil)
        #expect(try Self.resolve(Self.seedFixture).web.automaticWorkers == nil)
        #expect(
            throws: ConfigurationError(
                "/app/gunicorn_conf.py: drover_workers_from_cpu: expected True or False, not \"yes\""
            )
        ) {
            try Self.resolve(file("\"yes\""))
        }
        let other = #"{"settings": {}, "hooks": [], "drover": {"drover_typo": 1}, "unknown": ["a"], "error": null}"#
        #expect(
            try PythonConfigurationFile(path: "/app/gunicorn_conf.py", result: other).unknownNames == [
                "a", "drover_typo",
            ]
        )
    }

    @Test("the seed's test config: its values, with the file as their source")
    func seedFixture() throws {
        let configuration = try Self.resolve(Self.seedFixture)
        #expect(configuration.logLevel == .warning)
        #expect(configuration.web.workers == 3)
        #expect(configuration.web.binds.map(\.description) == ["0.0.0.0:8000"])
        #expect(configuration.sources["workers"] == "file:/app/gunicorn_conf.py")
        #expect(configuration.file == "/app/gunicorn_conf.py")
        #expect(configuration.gunicorn?.path == "/app/gunicorn_conf.py")
        #expect(configuration.uvicorn.launcherArguments.suffix(2) == ["--gunicorn-config", "/app/gunicorn_conf.py"])
    }

    @Test("what the file does not set has Gunicorn's defaults; the seed's variables count only as the file reads them")
    func defaults() throws {
        let empty = #"{"settings": {}, "hooks": [], "unknown": [], "error": null}"#
        let configuration = try Self.resolve(
            empty,
            environment: ["TIMEOUT": "5", "LOG_LEVEL": "debug", "BIND": "0.0.0.0:9"]
        )
        #expect(configuration.web.heartbeatTimeout == .seconds(30))
        #expect(configuration.web.gracefulTimeout == .seconds(30))
        #expect(configuration.uvicorn.keepAlive == 2)
        #expect(configuration.uvicorn.accessLog == .disabled)
        #expect(configuration.logLevel == .info)
        #expect(configuration.web.binds.map(\.description) == ["127.0.0.1:8000"])
        #expect(configuration.web.workers == 1)
        // Gunicorn's own defaults read two variables.
        let fromEnvironment = try Self.resolve(empty, environment: ["PORT": "8080", "WEB_CONCURRENCY": "4"])
        #expect(fromEnvironment.web.binds.map(\.description) == ["0.0.0.0:8080"])
        #expect(fromEnvironment.web.workers == 4)
    }

    @Test("GUNICORN_CMD_ARGS and flags rank above the file; accesslog = None turns the access log off")
    func precedence() throws {
        let result =
            #"{"settings": {"workers": 3, "accesslog": null, "timeout": 60, "raw_env": ["A=1"], "logconfig_dict": {"version": 1}}, "hooks": ["child_exit", "post_fork", "on_starting"], "unknown": [], "error": null}"#
        let configuration = try Self.resolve(result, environment: ["GUNICORN_CMD_ARGS": "--workers 5"])
        #expect(configuration.web.workers == 5)
        #expect(configuration.web.heartbeatTimeout == .seconds(60))
        #expect(configuration.uvicorn.accessLog == .disabled)
        #expect(configuration.web.environment == [EnvironmentVariable("A", "1")])
        #expect(configuration.gunicorn?.masterHooks == ["child_exit", "on_starting"])
        #expect(configuration.gunicorn?.workerHooks == ["post_fork"])
        let arguments = configuration.uvicorn.launcherArguments
        #expect(arguments.contains("--log-config-dict") && arguments.contains(#"{"version":1}"#))
        #expect(arguments.suffix(2) == ["--worker-hooks", "post_fork"])
    }

    @Test("names that are not settings, ignored and refused settings, errors: one line each")
    func notices() throws {
        let result =
            #"{"settings": {"worker_tmp_dir": "/dev/shm", "preload_app": false}, "hooks": [], "unknown": ["cores", "host"], "error": null}"#
        let notices = try Self.resolve(result).notices
        #expect(
            notices.contains(
                "/app/gunicorn_conf.py: worker_tmp_dir is ignored: Drover's heartbeat is a shared memory page, not a file on disk"
            )
        )
        #expect(
            notices.contains {
                $0.hasPrefix("/app/gunicorn_conf.py: not Gunicorn settings, so ignored (as Gunicorn does): cores, host")
            }
        )
        #expect(!notices.contains { $0.contains("preload_app") }, "a setting at its default says nothing")
        #expect(throws: ConfigurationError.self) {
            try Self.resolve(#"{"settings": {"daemon": true}, "hooks": [], "unknown": [], "error": null}"#)
        }
        #expect(throws: ConfigurationError("/app/gunicorn_conf.py:3: NameError: name 'x' is not defined")) {
            try PythonConfigurationFile(
                path: "/app/gunicorn_conf.py",
                result:
                    #"{"error": {"message": "/app/gunicorn_conf.py:3: NameError: name 'x' is not defined", "traceback": "..."}}"#
            )
        }
        #expect(throws: ConfigurationError("/app/gunicorn_conf.py: workers: '3x' is not a whole number")) {
            try Self.resolve(#"{"settings": {"workers": "3x"}, "hooks": [], "unknown": [], "error": null}"#)
        }
    }
}

@Suite("Boot timeout the Gunicorn way")
struct BootTimeoutTests {
    @Test("the boot timeout is the longer of 60 s and the heartbeat timeout; BOOT_TIMEOUT and --boot-timeout set it")
    func bootTimeout() throws {
        #expect(try resolve().web.bootTimeout == .seconds(120))  // the seed's TIMEOUT default, 120
        #expect(try resolve(environment: ["TIMEOUT": "300"]).web.bootTimeout == .seconds(300))
        #expect(try resolve(environment: ["TIMEOUT": "10"]).web.bootTimeout == .seconds(60))
        #expect(try resolve(environment: ["TIMEOUT": "0"]).web.bootTimeout == .seconds(60))
        #expect(try resolve(environment: ["TIMEOUT": "300", "BOOT_TIMEOUT": "90"]).web.bootTimeout == .seconds(90))
        let flag = try resolve(["--boot-timeout", "5"], environment: ["BOOT_TIMEOUT": "90"])
        #expect(flag.web.bootTimeout == .seconds(5))
        #expect(flag.sources["boot_timeout"] == "flag:--boot-timeout")
        #expect(
            resolveError(environment: ["BOOT_TIMEOUT": "soon"]) == "BOOT_TIMEOUT: 'soon' is not a number of seconds"
        )
    }
}

@Suite("Command pools from the command line")
struct CommandLinePoolTests {
    @Test("no default bind unless the command names a socket ({fd}) or a bind is given")
    func commandBinds() throws {
        #expect(try resolve(["-k", "command", "--", "python3", "own_port.py"]).web.binds.isEmpty)
        #expect(
            try resolve(["-k", "command", "--", "python3", "srv.py", "--fd", "{fd}"]).web.binds.map(\.description)
                == ["0.0.0.0:80"]
        )
        #expect(
            try resolve(["-k", "command", "-b", "127.0.0.1:9", "--", "python3", "srv.py"]).web.binds.map(\.description)
                == ["127.0.0.1:9"]
        )
        #expect(
            try resolve(["-k", "command", "--", "node", "srv.js"], environment: ["PORT": "8080"]).web.binds.map(
                \.description
            ) == ["0.0.0.0:8080"]
        )
    }

    @Test("forgetting -- before a command says where it goes")
    func missingTerminator() {
        #expect(
            resolveError(["-k", "command", "python3", "server.py"])
                == "unexpected argument 'server.py' after the app 'python3'; a command goes after --, e.g. droverd -k command -- python3 server.py"
        )
    }
}

@Suite("Module names")
struct ModuleNameTests {
    @Test("a module is anything importlib imports from a file name, as Gunicorn's: 07_demo, my-app")
    func modules() throws {
        #expect(try resolve(["07_cooperative_shutdown:app"]).uvicorn.app == "07_cooperative_shutdown:app")
        #expect(try resolve(["my-app.sub:make()"]).uvicorn.factory)
        #expect(resolveError(["a..b:app"]) == "APP_MODULE: 'a..b:app' is not MODULE:VARIABLE (e.g. main:app)")
    }
}
