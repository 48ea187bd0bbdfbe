//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import DroverConfiguration
import DroverShared
import Testing

@Suite("Precedence: defaults < file < environment < flags < GUNICORN_CMD_ARGS < DROVER_ARGS")
struct PrecedenceTests {
    let toml = "workers = 3\nlog_level = \"error\"\ntimeout = 50\n"

    @Test("each source beats the one below it, and the sources say who won")
    func ladder() throws {
        var configuration = try resolve(toml: toml)
        #expect(configuration.web.workers == 3)
        #expect(configuration.sources["workers"] == "file:drover.toml:1")
        #expect(configuration.web.heartbeatTimeout == .seconds(50))

        configuration = try resolve(environment: ["WEB_CONCURRENCY": "4"], toml: toml)
        #expect(configuration.web.workers == 4)
        #expect(configuration.sources["workers"] == "env:WEB_CONCURRENCY")

        configuration = try resolve(["-w", "5"], environment: ["WEB_CONCURRENCY": "4"], toml: toml)
        #expect(configuration.web.workers == 5)
        #expect(configuration.sources["workers"] == "flag:--workers")

        configuration = try resolve(
            ["-w", "5"],
            environment: ["WEB_CONCURRENCY": "4", "GUNICORN_CMD_ARGS": "--workers 6"],
            toml: toml
        )
        #expect(configuration.web.workers == 6)
        #expect(configuration.sources["workers"] == "env:GUNICORN_CMD_ARGS --workers")

        configuration = try resolve(
            ["-w", "5"],
            environment: ["WEB_CONCURRENCY": "4", "GUNICORN_CMD_ARGS": "--workers 6", "DROVER_ARGS": "-w 7"],
            toml: toml
        )
        #expect(configuration.web.workers == 7)
        #expect(configuration.sources["workers"] == "env:DROVER_ARGS --workers")
        // Untouched values keep their own sources.
        #expect(configuration.logLevel == .error)
        #expect(configuration.sources["log_level"] == "file:drover.toml:2")
        #expect(configuration.sources["graceful_timeout"] == "default")
    }

    @Test("the last source replaces the bind list; it does not add to it")
    func bindsReplace() throws {
        let configuration = try resolve(
            ["-b", "127.0.0.1:1", "-b", "127.0.0.1:2"],
            environment: ["BIND": "0.0.0.0:8080", "DROVER_ARGS": "--bind unix:/tmp/a.sock"]
        )
        #expect(configuration.web.binds == [BindAddress(.unix(path: "/tmp/a.sock"))])
    }

    @Test("an explicit worker count beats WORKERS_PER_CORE from any source")
    func explicitCount() throws {
        let configuration = try resolve(environment: ["WORKERS_PER_CORE": "8"], toml: "workers = 3\n", cores: 4)
        #expect(configuration.web.workers == 3)
        let automatic = try resolve(environment: ["WORKERS_PER_CORE": "3"], toml: "workers_per_core = 2\n", cores: 2)
        #expect(automatic.web.workers == 6)
    }

    @Test("DROVER_ARGS takes any flag, quoted like a shell; GUNICORN_CMD_ARGS only Gunicorn's")
    func argumentVariables() throws {
        let configuration = try resolve(environment: [
            "DROVER_ARGS": #"--boot-timeout 9 --name 'my-app' -b "unix:/tmp/x y.sock""#
        ])
        #expect(configuration.web.bootTimeout == .seconds(9))
        #expect(configuration.web.binds == [BindAddress(.unix(path: "/tmp/x y.sock"))])
        #expect(
            resolveError(environment: ["DROVER_ARGS": "--name 'my app"]) == "DROVER_ARGS: unterminated single quote"
        )
        #expect(
            resolveError(environment: ["GUNICORN_CMD_ARGS": "--boot-timeout 9"])
                == "GUNICORN_CMD_ARGS: --boot-timeout is not a Gunicorn flag; put it in DROVER_ARGS"
        )
        // Every Gunicorn flag is known: --threads is accepted with a notice saying what it does here…
        #expect(
            try resolve(environment: ["GUNICORN_CMD_ARGS": "--threads 4"]).notices.contains {
                $0.hasPrefix("GUNICORN_CMD_ARGS: --threads is ignored: ")
            }
        )
        // …and --preload preloads: the workers fork from a template that imported the app.
        let preloaded = try resolve(environment: ["GUNICORN_CMD_ARGS": "--preload"]).web.kind
        guard case .uvicorn(let options) = preloaded else { return #expect(Bool(false), "not a uvicorn pool") }
        #expect(options.spawn == .fork && options.preload)
        // -c names a Gunicorn (Python) configuration file, which the daemon reads with the launcher.
        let locations = try ConfigurationResolver.locations(
            options: DaemonOptions(),
            environment: ["GUNICORN_CMD_ARGS": "-c /app/gunicorn_conf.py"]
        )
        #expect(locations.explicitFile?.path == "/app/gunicorn_conf.py")
        #expect(locations.explicitFile?.by == "GUNICORN_CMD_ARGS: --config")
        #expect(ConfigurationResolver.isPython("/app/gunicorn_conf.py"))
        // Gunicorn ignores a positional app in GUNICORN_CMD_ARGS; so does Drover.
        #expect(try resolve(environment: ["GUNICORN_CMD_ARGS": "other:app --keep-alive 2"]).uvicorn.app == "main:app")
        #expect(try resolve(environment: ["GUNICORN_CMD_ARGS": "other:app --keep-alive 2"]).uvicorn.keepAlive == 2)
    }

    @Test("the config file location: -c beats DROVER_CONF; --chdir from the command line")
    func locations() throws {
        let options = try DaemonOptions.parse(["-c", "a.toml", "--chdir", "/srv/app"])
        let locations = try ConfigurationResolver.locations(options: options, environment: ["DROVER_CONF": "b.toml"])
        #expect(locations.explicitFile?.path == "a.toml")
        #expect(locations.explicitFile?.by == "--config")
        #expect(locations.directory == "/srv/app")
        let fromEnvironment = try ConfigurationResolver.locations(
            options: try DaemonOptions.parse([]),
            environment: ["DROVER_CONF": "b.toml"]
        )
        #expect(fromEnvironment.explicitFile?.path == "b.toml")
        #expect(fromEnvironment.explicitFile?.by == "DROVER_CONF")
        #expect(
            try ConfigurationResolver.locations(options: try DaemonOptions.parse([]), environment: [:]).explicitFile
                == nil
        )
        #expect(ConfigurationResolver.defaultFiles == ["drover.toml", "app/drover.toml"])
    }
}

@Suite("Socket activation in the configuration")
struct InheritedSocketTests {
    @Test("without a bind of its own, a pool listens on the sockets systemd passed; an explicit bind wins")
    func inherited() throws {
        let options = try DaemonOptions.parse([])
        let inputs = ConfigurationInputs(
            options: options,
            environment: [:],
            cores: 2,
            fileExists: { $0 == "main.py" },
            inheritedSockets: ["http", "4"]
        )
        let configuration = try ConfigurationResolver.resolve(inputs)
        #expect(configuration.web.binds == [BindAddress(.inherited(name: "http")), BindAddress(.inherited(name: "4"))])
        #expect(configuration.sources["bind"] == "default (sockets from systemd)")
        var explicit = inputs
        explicit.options = try DaemonOptions.parse(["-b", "fd://http"])
        #expect(try ConfigurationResolver.resolve(explicit).web.binds == [BindAddress(.inherited(name: "http"))])
    }
}

@Suite("Reload mode in the configuration")
struct ReloadModeConfigurationTests {
    @Test("reload mode: one worker unless a count is given; includes replace *.py, excludes add to the defaults")
    func reloadMode() throws {
        let configuration = try resolve(
            ["--reload", "--reload-include", "*.html", "--reload-exclude", "data"],
            cores: 8
        )
        #expect(configuration.reload)
        #expect(configuration.web.workers == 1)
        #expect(configuration.sources["workers"] == "default (reload mode)")
        #expect(configuration.reloadFilter.include == ["*.html"])
        #expect(
            configuration.reloadFilter.exclude.contains(".venv") && configuration.reloadFilter.exclude.contains("data")
        )
        #expect(try resolve(["--reload"], environment: ["WEB_CONCURRENCY": "3"]).web.workers == 3)
        #expect(try resolve(toml: "reload = true\nreload_exclude = [\"tmp\"]\n").reloadFilter.exclude.contains("tmp"))
        #expect(try resolve([]).web.workers == 2)
    }
}
