//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import DroverShared

/// droverd's command line (also the syntax of `DROVER_ARGS` and `GUNICORN_CMD_ARGS`).
///
/// Values stay text here: ``ConfigurationResolver`` validates them, applies the other sources
/// and the defaults, and remembers which source gave each value.
public struct DaemonOptions: ParsableArguments, Sendable {
    @Argument(
        help: ArgumentHelp(
            "The ASGI app, MODULE:VARIABLE or MODULE:FACTORY(). (env: APP_MODULE, or MODULE_NAME and VARIABLE_NAME; default: app.main:app if app/main.py exists, else main:app if main.py exists)",
            valueName: "APP_MODULE"
        )
    )
    public var appModule: String?

    @Option(
        name: [.customShort("c"), .long],
        help: ArgumentHelp(
            "The TOML configuration file. (env: DROVER_CONF; default: drover.toml, else app/drover.toml, in the app directory, if there)",
            valueName: "FILE"
        )
    )
    public var config: String?

    @Option(
        name: [.customShort("b"), .long],
        help: ArgumentHelp(
            "Socket to listen on: HOST:PORT, [IPV6]:PORT, unix:PATH or fd://NAME, optionally NAME=ADDRESS; repeatable. (env: BIND, or HOST and PORT; default: 0.0.0.0:80)",
            valueName: "ADDRESS"
        )
    )
    public var bind: [String] = []

    @Option(
        name: [.short, .long],
        parsing: .unconditional,
        help: ArgumentHelp(
            "Number of workers. (env: WEB_CONCURRENCY; default: WORKERS_PER_CORE × usable CPUs, at least 2, at most MAX_WORKERS)",
            valueName: "N"
        )
    )
    public var workers: String?

    @Option(
        name: [.customShort("k"), .long],
        help: ArgumentHelp(
            "Worker kind: uvicorn, uvicorn-h11 or command (uvicorn.workers.UvicornWorker and UvicornH11Worker are accepted). (env: WORKER_CLASS; default: uvicorn)",
            valueName: "KIND"
        )
    )
    public var workerClass: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Seconds a ready worker's event loop may stay blocked before it is killed; 0 disables. (env: TIMEOUT; default: 120)",
            valueName: "SECONDS"
        )
    )
    public var timeout: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Seconds a stopping worker may finish its requests before it is killed. (env: GRACEFUL_TIMEOUT; default: 120)",
            valueName: "SECONDS"
        )
    )
    public var gracefulTimeout: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Seconds a new worker has to become ready before it is killed. (default: 60)",
            valueName: "SECONDS"
        )
    )
    public var bootTimeout: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Seconds an idle keep-alive connection stays open. (env: KEEP_ALIVE; default: 5)",
            valueName: "SECONDS"
        )
    )
    public var keepAlive: String?

    @Option(
        help: ArgumentHelp(
            "critical, error, warning, info, debug or trace, for droverd and its workers. (env: LOG_LEVEL; default: info)",
            valueName: "LEVEL"
        )
    )
    public var logLevel: String?

    @Option(help: ArgumentHelp("text or json log lines. (default: text)", valueName: "FORMAT"))
    public var logFormat: String?

    @Option(
        help: ArgumentHelp(
            "Access log: - for stdout, a file, or '' for none. (env: ACCESS_LOG; default: -)",
            valueName: "FILE"
        )
    )
    public var accessLogfile: String?

    @Option(
        help: ArgumentHelp(
            "Error log (droverd's log and the workers' stderr): - for stderr, a file, or '' for warnings only. (env: ERROR_LOG; default: -)",
            valueName: "FILE"
        )
    )
    public var errorLogfile: String?

    @Option(help: ArgumentHelp("The app directory: droverd and its workers run there.", valueName: "DIR"))
    public var chdir: String?

    @Option(help: ArgumentHelp("Write droverd's pid to this file.", valueName: "FILE"))
    public var pid: String?

    @Option(help: ArgumentHelp("TLS certificate file (with --keyfile): the workers serve HTTPS.", valueName: "FILE"))
    public var certfile: String?

    @Option(help: ArgumentHelp("TLS private key file (with --certfile).", valueName: "FILE"))
    public var keyfile: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Requests after which a worker is replaced (surge first); 0 disables. (default: 0)",
            valueName: "N"
        )
    )
    public var maxRequests: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Add up to N requests at random to --max-requests, per worker. (default: 0)", valueName: "N")
    )
    public var maxRequestsJitter: String?

    @Flag(
        help:
            "Development: restart the workers (surge first) when the app's files change; 1 worker unless told otherwise."
    )
    public var reload = false

    @Option(
        help: ArgumentHelp(
            "With --reload: files that count, as shell globs; repeatable. (default: *.py)",
            valueName: "PATTERN"
        )
    )
    public var reloadInclude: [String] = []

    @Option(
        help: ArgumentHelp(
            "With --reload: files and directories to ignore; repeatable, added to the defaults (.venv, venv, __pycache__, .git, node_modules, …).",
            valueName: "PATTERN"
        )
    )
    public var reloadExclude: [String] = []

    @Option(
        help: ArgumentHelp(
            "The control socket. (env: DROVER_CONTROL_SOCKET; default: $RUNTIME_DIRECTORY/NAME.sock, /run/drover/NAME.sock for root, else $XDG_RUNTIME_DIR/drover/NAME.sock)",
            valueName: "PATH"
        )
    )
    public var controlSocket: String?

    @Option(
        help: ArgumentHelp(
            "A group whose members may use the control socket (mode 0660). (env: DROVER_CONTROL_GROUP)",
            valueName: "GROUP"
        )
    )
    public var controlGroup: String?

    @Option(help: ArgumentHelp("Instance name, used in default paths. (default: drover)", valueName: "NAME"))
    public var name: String?

    @Option(
        help: ArgumentHelp(
            "Script sourced by sh before start-up; what it exports reaches the workers. (env: PRE_START_PATH; default: prestart.sh in the app directory)",
            valueName: "FILE"
        )
    )
    public var prestart: String?

    @Option(
        help: ArgumentHelp(
            "The launcher for uvicorn workers, looked up on PATH. (default: drover-worker)",
            valueName: "PROGRAM"
        )
    )
    public var launcher: String?

    @Flag(
        inversion: .prefixedNo,
        help: "Count a worker as ready only once it sends READY=1. (default: yes for uvicorn, no for command)"
    )
    public var waitReady: Bool?

    @Flag(help: "Check the configuration, print it with each value's source, and exit: 0 if valid, 1 if not.")
    public var checkConfig = false

    @Argument(
        parsing: .postTerminator,
        help: ArgumentHelp("For -k command: the program and its arguments, after --.", valueName: "COMMAND")
    )
    public var command: [String] = []

    public init() {}
}
