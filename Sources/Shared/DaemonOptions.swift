//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser

/// droverd's command line. Values stay text here: ``ConfigurationResolver`` validates them,
/// applies defaults, and remembers which were given.
public struct DaemonOptions: ParsableArguments, Sendable {
    @Argument(
        help: ArgumentHelp(
            "The ASGI app for uvicorn workers, MODULE:VARIABLE (e.g. main:app).",
            valueName: "APP_MODULE"
        )
    )
    public var appModule: String?

    @Option(
        name: [.customShort("b"), .long],
        help: ArgumentHelp(
            "Socket to listen on: HOST:PORT, [IPV6]:PORT, unix:PATH or fd://NAME, optionally NAME=ADDRESS. Repeatable. (default: 127.0.0.1:8000)",
            valueName: "ADDRESS"
        )
    )
    public var bind: [String] = []

    @Option(
        name: [.short, .long],
        parsing: .unconditional,
        help: ArgumentHelp("Number of workers. (default: 1)", valueName: "N")
    )
    public var workers: String?

    @Option(
        name: [.customShort("k"), .long],
        help: ArgumentHelp("Worker kind: uvicorn, uvicorn-h11 or command. (default: uvicorn)", valueName: "KIND")
    )
    public var workerClass: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Seconds a ready worker's event loop may stay blocked (no heartbeat) before it is killed; 0 disables. (default: 30)",
            valueName: "SECONDS"
        )
    )
    public var timeout: String?

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
            "Seconds a stopping worker may finish its requests before it is killed. (default: 30)",
            valueName: "SECONDS"
        )
    )
    public var gracefulTimeout: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Seconds an idle keep-alive connection stays open (uvicorn). (default: 5)",
            valueName: "SECONDS"
        )
    )
    public var keepAlive: String?

    @Option(
        help: ArgumentHelp(
            "Log level of droverd and its uvicorn workers: critical, error, warning, info, debug, trace. (default: info)",
            valueName: "LEVEL"
        )
    )
    public var logLevel: String?

    @Option(help: ArgumentHelp("Directory droverd and its workers run in (the app directory).", valueName: "DIR"))
    public var chdir: String?

    @Option(help: ArgumentHelp("Instance name, used in default paths. (default: drover)", valueName: "NAME"))
    public var name: String?

    @Option(
        help: ArgumentHelp(
            "The worker launcher for uvicorn workers, looked up on PATH. (default: drover-worker)",
            valueName: "PROGRAM"
        )
    )
    public var launcher: String?

    @Flag(
        inversion: .prefixedNo,
        help: "Count a worker as ready only once it sends READY=1. (default: yes for uvicorn, no for command)"
    )
    public var waitReady: Bool?

    @Argument(
        parsing: .postTerminator,
        help: ArgumentHelp("For -k command: the program and its arguments, after --.", valueName: "COMMAND")
    )
    public var command: [String] = []

    public init() {}
}
