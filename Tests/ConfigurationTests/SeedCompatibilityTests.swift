//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverConfiguration
import DroverShared
import Testing

/// The configuration cases of the uvicorn-gunicorn(-starlette) image's test inventory
/// (seed-spec §8), and its derivation rules and quirks (§3), against Drover's resolver.
@Suite("Seed image compatibility")
struct SeedCompatibilityTests {
    @Test("test_defaults: the seed's defaults and its exact startup JSON line")
    func defaults() throws {
        let configuration = try resolve(cores: 2)
        #expect(
            StartupLine.json(configuration)
                == #"{"loglevel": "info", "workers": 2, "bind": "0.0.0.0:80", "graceful_timeout": 120, "timeout": 120, "keepalive": 5, "errorlog": "-", "accesslog": "-", "workers_per_core": 1.0, "use_max_workers": null, "host": "0.0.0.0", "port": "80"}"#
        )
        #expect(configuration.web.name == "web")
        #expect(configuration.uvicorn.app == "main:app")
        #expect(configuration.uvicorn.http == .auto)
        #expect(configuration.web.binds == [BindAddress(.tcp(host: "0.0.0.0", port: 80))])
        #expect(configuration.web.gracefulTimeout == .seconds(120))
        #expect(configuration.web.heartbeatTimeout == .seconds(120))
        #expect(configuration.uvicorn.keepAlive == 5)
        #expect(configuration.uvicorn.accessLog == .standard)
        #expect(configuration.errorLog == .standard)
        #expect(configuration.prestart == "prestart.sh")
    }

    @Test("test_env_vars_1: WORKERS_PER_CORE, PORT, LOG_LEVEL, timeouts, KEEP_ALIVE, empty logs")
    func environmentOne() throws {
        let configuration = try resolve(
            environment: [
                "WORKERS_PER_CORE": "2", "PORT": "8000", "LOG_LEVEL": "warning", "GRACEFUL_TIMEOUT": "20",
                "TIMEOUT": "20", "KEEP_ALIVE": "20", "ACCESS_LOG": "", "ERROR_LOG": "",
            ],
            cores: 2
        )
        #expect(
            StartupLine.json(configuration)
                == #"{"loglevel": "warning", "workers": 4, "bind": "0.0.0.0:8000", "graceful_timeout": 20, "timeout": 20, "keepalive": 20, "errorlog": null, "accesslog": null, "workers_per_core": 2.0, "use_max_workers": null, "host": "0.0.0.0", "port": "8000"}"#
        )
        #expect(configuration.uvicorn.accessLog == .disabled)
        #expect(configuration.errorLog == .disabled)
        #expect(configuration.logLevel == .warning)
    }

    @Test("test_env_vars_2: WEB_CONCURRENCY=1, HOST, the H11 worker class; GUNICORN_CMD_ARGS beats LOG_LEVEL")
    func environmentTwo() throws {
        let configuration = try resolve(
            environment: [
                "WEB_CONCURRENCY": "1", "HOST": "127.0.0.1", "LOG_LEVEL": "warning",
                "GUNICORN_CMD_ARGS": "--log-level debug", "WORKER_CLASS": "uvicorn.workers.UvicornH11Worker",
            ]
        )
        #expect(configuration.web.workers == 1)
        #expect(configuration.web.binds == [BindAddress(.tcp(host: "127.0.0.1", port: 80))])
        #expect(configuration.seed.host == "127.0.0.1")
        #expect(configuration.seed.port == "80")
        // The effective level is debug; the seed's line reports the environment's "warning", and so does Drover's.
        #expect(configuration.logLevel == .debug)
        #expect(StartupLine.json(configuration).hasPrefix(#"{"loglevel": "warning", "workers": 1,"#))
        #expect(configuration.sources["log_level"] == "env:GUNICORN_CMD_ARGS --log-level")
        #expect(configuration.uvicorn.http == .h11)
        #expect(configuration.web.gracefulTimeout == .seconds(120))
    }

    @Test("test_env_bind: BIND beats HOST:PORT, which are still reported; MAX_WORKERS=1 gives 1")
    func environmentBind() throws {
        let configuration = try resolve(
            environment: ["BIND": "0.0.0.0:8080", "HOST": "127.0.0.1", "PORT": "9000", "MAX_WORKERS": "1"],
            cores: 8
        )
        #expect(configuration.web.workers == 1)
        #expect(configuration.web.binds == [BindAddress(.tcp(host: "0.0.0.0", port: 8080))])
        let line = StartupLine.json(configuration)
        #expect(line.contains(#""bind": "0.0.0.0:8080""#))
        #expect(line.contains(#""use_max_workers": 1, "host": "127.0.0.1", "port": "9000""#))
    }

    @Test("test_custom_app: MODULE_NAME and VARIABLE_NAME, APP_MODULE, PRE_START_PATH")
    func customApp() throws {
        let byName = try resolve(
            environment: ["MODULE_NAME": "custom_app.custom_main", "VARIABLE_NAME": "custom_var"],
            files: ["main.py"]
        )
        #expect(byName.uvicorn.app == "custom_app.custom_main:custom_var")
        #expect(byName.sources["app"] == "env:MODULE_NAME")
        let byModule = try resolve(environment: ["APP_MODULE": "custom_app.custom_main:custom_var"])
        #expect(byModule.uvicorn.app == "custom_app.custom_main:custom_var")
        let withPrestart = try resolve(
            environment: [
                "APP_MODULE": "custom_app.custom_main:custom_var",
                "PRE_START_PATH": "/app/custom_app/custom-prestart.sh",
            ]
        )
        #expect(withPrestart.prestart == "/app/custom_app/custom-prestart.sh")
        // APP_MODULE wins over MODULE_NAME/VARIABLE_NAME.
        let both = try resolve(environment: ["APP_MODULE": "a:b", "MODULE_NAME": "c", "VARIABLE_NAME": "d"])
        #expect(both.uvicorn.app == "a:b")
        // VARIABLE_NAME alone uses the detected module.
        #expect(
            try resolve(environment: ["VARIABLE_NAME": "api"], files: ["app/main.py"]).uvicorn.app == "app.main:api"
        )
    }

    @Test("test_package_app / test_simple_app: app/main.py wins over main.py; none is a clear error")
    func detection() throws {
        #expect(try resolve(files: ["app/main.py", "main.py"]).uvicorn.app == "app.main:app")
        #expect(try resolve(files: ["app/main.py", "main.py"]).sources["app"] == "default (app/main.py found)")
        #expect(try resolve(files: ["main.py"]).uvicorn.app == "main:app")
        #expect(resolveError(files: []).contains("APP_MODULE is missing: no app/main.py or main.py"))
        #expect(
            resolveError(environment: ["VARIABLE_NAME": "api"], files: []).contains(
                "VARIABLE_NAME: ':api' is not MODULE:VARIABLE"
            )
        )
    }

    @Test(
        "the worker count: WEB_CONCURRENCY, else max(int(WORKERS_PER_CORE × cores), 2) capped by MAX_WORKERS",
        arguments: [
            (1, "1", nil, nil, 2), (4, "1", nil, nil, 4), (8, "0.5", nil, nil, 4), (3, "0.5", nil, nil, 2),
            (2, "3", nil, nil, 6), (64, "1", "24", nil, 24), (64, "1", "1", nil, 1), (4, "1", "0", nil, 4),
            (16, "1", "2", "5", 5), (16, "1", nil, "1", 1), (4, "-1", nil, nil, 2), (4, "0", nil, nil, 2),
            (4, " 2 ", nil, nil, 8), (2, "1", "", nil, 2),
        ] as [(Int, String, String?, String?, Int)]
    )
    func workerCount(cores: Int, perCore: String, maxWorkers: String?, concurrency: String?, expected: Int) throws {
        var environment = ["WORKERS_PER_CORE": perCore]
        environment["MAX_WORKERS"] = maxWorkers
        environment["WEB_CONCURRENCY"] = concurrency
        #expect(try resolve(environment: environment, cores: cores).web.workers == expected)
    }

    @Test(
        "empty and bad values fail where the seed fails, naming the variable",
        arguments: [
            (["WORKERS_PER_CORE": ""], "WORKERS_PER_CORE: '' is not a number"),
            (["WEB_CONCURRENCY": "0"], "WEB_CONCURRENCY: 0 is out of range (1 to 10000)"),
            (["WEB_CONCURRENCY": "-1"], "WEB_CONCURRENCY: -1 is out of range"),
            (["WEB_CONCURRENCY": "2.5"], "WEB_CONCURRENCY: '2.5' is not a whole number"),
            (["MAX_WORKERS": "-1"], "MAX_WORKERS: -1 is out of range (0 to 10000)"),
            (["PORT": ""], "PORT: bind '0.0.0.0:': port '' is not a number"),
            (["PORT": "abc"], "PORT: bind '0.0.0.0:abc': port 'abc' is not a number"),
            (["TIMEOUT": ""], "TIMEOUT: '' is not a number of seconds"),
            (["TIMEOUT": "1e309"], "TIMEOUT: '1e309' is not a number of seconds"),
            (["GRACEFUL_TIMEOUT": "x"], "GRACEFUL_TIMEOUT: 'x' is not a number of seconds"),
            (["KEEP_ALIVE": ""], "KEEP_ALIVE: '' is not a number of seconds"),
            (["BIND": "[::"], "BIND: bind '[::': missing ']'"),
            (["LOG_LEVEL": "verbose"], "LOG_LEVEL: 'verbose' is not one of"),
            (["WORKER_CLASS": "gevent"], "WORKER_CLASS: 'gevent' is not a worker kind"),
            (["APP_MODULE": "main"], "APP_MODULE: 'main' is not MODULE:VARIABLE"),
        ] as [([String: String], String)]
    )
    func badValues(environment: [String: String], message: String) {
        let error = resolveError(environment: environment)
        #expect(error.hasPrefix(message), "\(error)")
        #expect(!error.contains("\n"))
    }

    @Test("empty values that mean 'use the default' in the seed")
    func emptyMeansDefault() throws {
        let configuration = try resolve(
            environment: [
                "MODULE_NAME": "", "VARIABLE_NAME": "", "APP_MODULE": "", "WORKER_CLASS": "", "PRE_START_PATH": "",
                "WEB_CONCURRENCY": "", "MAX_WORKERS": "", "BIND": "", "LOG_LEVEL": "",
            ],
            cores: 3
        )
        #expect(configuration.uvicorn.app == "main:app")
        #expect(configuration.web.workers == 3)
        #expect(configuration.logLevel == .info)
        #expect(configuration.prestart == "prestart.sh")
        #expect(configuration.web.binds == [BindAddress(.tcp(host: "0.0.0.0", port: 80))])
        // HOST="" stays empty: all interfaces, reported as "".
        let noHost = try resolve(environment: ["HOST": ""])
        #expect(noHost.web.binds == [BindAddress(.tcp(host: "0.0.0.0", port: 80))])
        #expect(StartupLine.json(noHost).hasSuffix(#""host": "", "port": "80"}"#))
    }

    @Test("MAX_WORKERS=0 means no cap and is reported as 0; TIMEOUT=0 disables the heartbeat check")
    func zeroes() throws {
        let configuration = try resolve(environment: ["MAX_WORKERS": "0", "TIMEOUT": "0"], cores: 6)
        #expect(configuration.web.workers == 6)
        #expect(configuration.web.heartbeatTimeout == nil)
        #expect(StartupLine.json(configuration).contains(#""timeout": 0,"#))
        #expect(StartupLine.json(configuration).contains(#""use_max_workers": 0,"#))
    }

    @Test("GUNICORN_CONF names the configuration file, below DROVER_CONF and -c, as in the seed's start.sh")
    func gunicornConf() throws {
        let byVariable = try ConfigurationResolver.locations(
            options: DaemonOptions(),
            environment: ["GUNICORN_CONF": "/app/custom_gunicorn_conf.py"]
        )
        #expect(byVariable.explicitFile?.path == "/app/custom_gunicorn_conf.py")
        #expect(byVariable.explicitFile?.by == "GUNICORN_CONF")
        let both = try ConfigurationResolver.locations(
            options: DaemonOptions(),
            environment: ["GUNICORN_CONF": "/app/custom_gunicorn_conf.py", "DROVER_CONF": "/etc/drover.toml"]
        )
        #expect(both.explicitFile?.path == "/etc/drover.toml")
        let flag = try ConfigurationResolver.locations(
            options: try DaemonOptions.parse(["-c", "/gunicorn_conf.py"]),
            environment: ["GUNICORN_CONF": "/app/custom_gunicorn_conf.py"]
        )
        #expect(flag.explicitFile?.path == "/gunicorn_conf.py")
    }
}
