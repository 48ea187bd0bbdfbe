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
    case stop(fast: Bool)
    case config
    case reopenLogs
    case events

    /// `N`, `+N` or `-N`.
    public enum ScaleAmount: Hashable, Sendable, CustomStringConvertible {
        case to(Int)
        case by(Int)

        public var description: String {
            switch self {
            case .to(let count): String(count)
            case .by(let delta): delta >= 0 ? "+\(delta)" : String(delta)
            }
        }
    }

    /// The longest request line, in bytes.
    public static let maximumLineLength = 64 * 1024

    /// Every verb, with its arguments, as `help` lists them.
    public static let usage: [(verb: String, arguments: String, meaning: String)] = [
        ("version", "", "droverd's version and pid"),
        ("help", "", "this list"),
        ("status", "[POOL]", "pools and workers: counts, states, pids, ages, restarts, last exits, RSS"),
        (
            "scale", "POOL N|+N|-N [allow-zero]",
            "resize a pool; answers when the new workers are ready (or failed); allow-zero lets a pool with binds go to 0"
        ),
        ("reload", "", "re-read the configuration and roll every pool out; answers with the outcome"),
        ("restart", "[POOL]", "roll a pool (or all) out to a new generation; answers with the outcome"),
        ("stop", "[graceful|fast]", "stop droverd (graceful by default); answers when every worker is gone"),
        ("config", "", "the effective configuration and each value's source"),
        ("reopen-logs", "", "reopen log files (as SIGUSR1)"),
        ("events", "", "stream every state change until the client leaves"),
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
        case .stop(let fast): fast ? "stop fast" : "stop graceful"
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
            case nil, "graceful": self = .stop(fast: false)
            case "fast", "quick": self = .stop(fast: true)
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
        let digits = text.first == "+" || text.first == "-" ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let value = Int(digits)
        else {
            throw ControlError(.invalidArgument, "scale: '\(text.prefix(40))' is not N, +N or -N")
        }
        switch text.first {
        case "+": return .by(value)
        case "-": return .by(-value)
        default: return .to(value)
        }
    }
}

/// A protocol-level error: a stable code and one line for people.
public struct ControlError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The stable error codes of the control protocol.
    public enum Code: String, Hashable, Sendable, CaseIterable {
        case emptyRequest = "empty_request"
        case unknownVerb = "unknown_verb"
        case invalidArgument = "invalid_argument"
        case invalidUTF8 = "invalid_utf8"
        case lineTooLong = "line_too_long"
        case tooManyConnections = "too_many_connections"
        case permissionDenied = "permission_denied"
        case noSuchPool = "no_such_pool"
        case stopping
        case rolloutFailed = "rollout_failed"
        case configInvalid = "config_invalid"
        case workerFailed = "worker_failed"
        case superseded
    }

    public var code: String
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code.rawValue
        self.message = message
    }

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
