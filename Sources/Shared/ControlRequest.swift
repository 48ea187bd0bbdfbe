//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// One request of the control protocol: a line of UTF-8, a verb and space-separated arguments,
/// so a person can type it with `socat` or `nc -U`. See docs/PROTOCOL.md.
public enum ControlRequest: Hashable, Sendable {
    case version
    case help
    case status(pool: String?)
    /// `allowZero`: the `allow-zero` word, without which droverd refuses to take a pool with binds to 0.
    case scale(pool: String, ScaleAmount, allowZero: Bool = false)
    case reload
    case restart(pool: String?)
    case stop(StopMode)
    case config
    case reopenLogs
    case events

    /// The longest request line, in bytes.
    public static let maximumLineLength = 64 * 1024

    /// Every verb, with its arguments, as `help` lists them.
    public static let usage: [VerbUsage] = [
        VerbUsage("version", "", "droverd's version and pid"),
        VerbUsage("help", "", "this list"),
        VerbUsage("status", "[POOL]", "pools and workers: counts, states, pids, ages, restarts, last exits, RSS"),
        VerbUsage(
            "scale",
            "POOL N|+N|-N [allow-zero]",
            "resize a pool; answers when the new workers are ready (or failed); allow-zero lets a pool with binds go to 0"
        ),
        VerbUsage("reload", "", "re-read the configuration and roll every pool out; answers with the outcome"),
        VerbUsage("restart", "[POOL]", "roll a pool (or all) out to a new generation; answers with the outcome"),
        VerbUsage("stop", "[graceful|fast]", "stop droverd (graceful by default); answers when every worker is gone"),
        VerbUsage("config", "", "the effective configuration and each value's source"),
        VerbUsage("reopen-logs", "", "reopen log files (as SIGUSR1)"),
        VerbUsage("events", "", "stream every state change until the client leaves"),
    ]

    /// The verb, as written.
    public var verb: String {
        switch self {
        case .version: "version"
        case .help: "help"
        case .status: "status"
        case .scale: "scale"
        case .reload: "reload"
        case .restart: "restart"
        case .stop: "stop"
        case .config: "config"
        case .reopenLogs: "reopen-logs"
        case .events: "events"
        }
    }

    /// The request line (without the newline).
    public var line: String {
        switch self {
        case .status(let pool?): "status \(pool)"
        case .scale(let pool, let amount, let allowZero): "scale \(pool) \(amount)" + (allowZero ? " allow-zero" : "")
        case .restart(let pool?): "restart \(pool)"
        case .stop(let mode): "stop \(mode)"
        default: verb
        }
    }

    /// Parses one line (without its newline; a trailing carriage return is ignored).
    public init(line raw: String) throws(ControlError) {
        var text = Substring(raw)
        if text.hasSuffix("\r") { text = text.dropLast() }
        // Any whitespace separates words, so a stray carriage return never ends up in a pool name.
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard let verb = words.first else { throw ControlError(.emptyRequest, "empty request; try 'help'") }
        let arguments = Array(words.dropFirst())
        func expect(_ range: ClosedRange<Int>, _ usage: String) throws(ControlError) {
            guard range.contains(arguments.count) else {
                throw ControlError(.invalidArgument, "usage: \(verb)\(usage.isEmpty ? "" : " " + usage)")
            }
        }
        // Pool names are plain ASCII names (as in drover.toml); anything else is refused here, so
        // no stray byte travels on to droverd's replies or logs.
        if ["status", "scale", "restart"].contains(verb), let pool = arguments.first,
            !BindAddress.isValidName(Substring(pool))
        {
            let shown = pool.count > 40 ? String(pool.prefix(40)) + "…" : pool
            throw ControlError(
                .invalidArgument,
                "\(verb): '\(shown)' is not a pool name (letters, digits, '_', '-', '.')"
            )
        }
        switch verb {
        case "version":
            try expect(0...0, "")
            self = .version
        case "help":
            try expect(0...0, "")
            self = .help
        case "status":
            try expect(0...1, "[POOL]")
            self = .status(pool: arguments.first)
        case "scale":
            try expect(2...3, "POOL N|+N|-N [allow-zero]")
            if arguments.count == 3, arguments[2] != "allow-zero" {
                throw ControlError(.invalidArgument, "scale: '\(arguments[2].prefix(40))' is not allow-zero")
            }
            self = .scale(pool: arguments[0], try Self.amount(arguments[1]), allowZero: arguments.count == 3)
        case "reload":
            try expect(0...0, "")
            self = .reload
        case "restart":
            try expect(0...1, "[POOL]")
            self = .restart(pool: arguments.first)
        case "stop":
            try expect(0...1, "[graceful|fast]")
            switch arguments.first {
            case nil, "graceful": self = .stop(.graceful)
            case "fast", "quick": self = .stop(.quick)
            case let other?: throw ControlError(.invalidArgument, "stop: '\(other)' is not graceful or fast")
            }
        case "config":
            try expect(0...0, "")
            self = .config
        case "reopen-logs":
            try expect(0...0, "")
            self = .reopenLogs
        case "events":
            try expect(0...0, "")
            self = .events
        default:
            let shown = verb.count > 40 ? String(verb.prefix(40)) + "…" : verb
            throw ControlError(.unknownVerb, "unknown verb '\(shown)'; try 'help'")
        }
    }

    private static func amount(_ text: String) throws(ControlError) -> ScaleAmount {
        guard let amount = ScaleAmount(text) else {
            throw ControlError(.invalidArgument, "scale: '\(text.prefix(40))' is not N, +N or -N")
        }
        return amount
    }
}
