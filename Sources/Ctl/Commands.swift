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
        let result = try Session(options: global).run(.status(pool: pool))
        let pools = result["pools"]?.arrayValue ?? []
        let allReady = pools.allSatisfy { pool in
            (pool["ready"]?.intValue ?? 0) >= (pool["desired"]?.intValue ?? 1)
                && pool["serving"]?.boolValue != false
                && pool["state"]?.stringValue != "stopping"
        }
        if !global.json { print(EventText.statusTable(result)) }
        if ready && !allReady { throw ExitCode(1) }
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
        let result = try Session(options: global).run(request)
        if !global.json {
            print(
                "\(result["pool"]?.stringValue ?? pool): \(result["workers"]?.intValue ?? 0) workers, \(result["ready"]?.intValue ?? 0) ready"
            )
        }
    }
}

struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Re-read the configuration and roll every pool out; answers when done or rolled back."
    )
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let result = try Session(options: global).run(.reload)
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
        let result = try Session(options: global).run(.restart(pool: pool))
        if !global.json { printRollout(result) }
    }
}

func printRollout(_ result: JSONValue) {
    for pool in result["pools"]?.arrayValue ?? [] {
        let seconds = pool["duration_s"]?.doubleValue ?? 0
        print("\(pool["pool"]?.stringValue ?? "?"): generation \(pool["generation"]?.intValue ?? 0) (\(seconds)s)")
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
        _ = try Session(options: global).run(.stop(fast: mode == "fast"))
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
        let result = try Session(options: global).run(.config)
        if !global.json { print(result.pretty) }
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
            if global.json || event == nil { print(line) } else { print(EventText.describe(event!)) }
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
        let result = try Session(options: global).run(.version)
        if !global.json {
            print(
                "droverctl \(droverctlVersion), droverd \(result["version"]?.stringValue ?? "?") (pid \(result["pid"]?.intValue ?? 0))"
            )
        }
    }
}

struct ReopenLogs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reopen-logs",
        abstract: "Reopen log files (as SIGUSR1)."
    )
    @OptionGroup var global: GlobalOptions

    func run() throws {
        _ = try Session(options: global).run(.reopenLogs)
        if !global.json { print("reopened") }
    }
}
