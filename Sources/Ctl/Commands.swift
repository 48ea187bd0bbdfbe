//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import DroverShared
import Glibc

// droverctl's subcommands: one per verb of the control protocol (docs/PROTOCOL.md).

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Pools and workers: counts, states, pids, ages, restarts, memory, last exits.",
        discussion:
            "With --ready, exits 0 only when every pool has all its desired workers ready and every pool with binds at least one (a health check)."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Only this pool.") var pool: String?
    @Flag(
        help:
            "Exit 0 only when every pool has all its desired workers ready (a pool with binds at least one), 1 otherwise."
    )
    var ready = false

    func run() throws {
        let status = try Session(options: global).run(.status(pool: pool), as: StatusSnapshot.self)
        if !global.json { print(EventText.statusTable(status)) }
        if ready && !status.isReady { throw ExitCode(1) }
    }
}

struct Scale: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "Resize a pool: N workers, or +N / -N; answers when the new workers are ready."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The pool.") var pool: String
    @Argument(help: "N, +N or -N.") var count: String
    @Flag(help: "Let a pool with binds go down to 0 workers (its sockets then accept connections nobody serves).")
    var allowZero = false

    func run() throws {
        let request: ControlRequest
        do {
            request = try ControlRequest(line: "scale \(pool) \(count)" + (allowZero ? " allow-zero" : ""))
        } catch {
            throw ValidationError(error.message)
        }
        let result = try Session(options: global).run(request, as: ScaleResult.self)
        if !global.json { print("\(result.pool): \(result.workers) workers, \(result.ready) ready") }
    }
}

struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Re-read the configuration and roll every pool out; answers when done or rolled back."
    )
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let result = try Session(options: global).run(.reload, as: RolloutResult.self)
        if !global.json { printRollout(result) }
    }
}

struct Restart: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart",
        abstract: "Roll a pool (or every pool) out to a new generation; answers when done or rolled back."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The pool (default: every pool).") var pool: String?

    func run() throws {
        let result = try Session(options: global).run(.restart(pool: pool), as: RolloutResult.self)
        if !global.json { printRollout(result) }
    }
}

func printRollout(_ result: RolloutResult) {
    for pool in result.pools {
        print("\(pool.pool): generation \(pool.generation) (\(pool.duration.seconds)s)")
    }
}

struct Stop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop droverd: graceful (drain) by default, or fast; answers when every worker is gone."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "graceful or fast.") var mode: String = "graceful"

    func run() throws {
        guard mode == "graceful" || mode == "fast" else { throw ValidationError("'\(mode)' is not graceful or fast") }
        _ = try Session(options: global).run(.stop(mode == "fast" ? .quick : .graceful), as: StopResult.self)
        if !global.json { print("stopped") }
    }
}

struct Config: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "The effective configuration and each value's source."
    )
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let report = try Session(options: global).run(.config, as: ConfigReport.self)
        if !global.json { print(try JSONValueEncoder().encode(report).pretty) }
    }
}

struct Events: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Print every state change as it happens, until interrupted."
    )
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try Session(options: global).stream(.events) { line, event in
            if let event, !global.json { print(EventText.describe(event)) } else { print(line) }
            fflush(nil)
        }
    }
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "droverctl's version and the running droverd's."
    )
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let result = try Session(options: global).run(.version, as: VersionInfo.self)
        if !global.json { print("droverctl \(droverctlVersion), droverd \(result.version) (pid \(result.pid))") }
    }
}

struct ReopenLogs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reopen-logs",
        abstract: "Reopen log files (as SIGUSR1)."
    )
    @OptionGroup var global: GlobalOptions

    func run() throws {
        _ = try Session(options: global).run(.reopenLogs, as: ReopenResult.self)
        if !global.json { print("reopened") }
    }
}
