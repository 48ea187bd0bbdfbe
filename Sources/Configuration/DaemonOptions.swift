//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// droverd's command line, and the flags in `DROVER_ARGS` and `GUNICORN_CMD_ARGS`, parsed from
/// the declarations in ``SettingRegistry`` (a table of ~140 flags, which argument-parser's
/// property wrappers cannot be driven from).
///
/// Values stay text here: ``ConfigurationResolver`` validates them, applies the other sources
/// and the defaults, and remembers which source gave each value.
public struct DaemonOptions: Sendable {
    /// Whose flags a text holds.
    public enum Dialect: Sendable {
        /// droverd's command line and `DROVER_ARGS`: Drover's flags, and Gunicorn's spellings too.
        case drover
        /// `GUNICORN_CMD_ARGS`: Gunicorn's flags only, with Gunicorn's meanings (`--name` is
        /// `proc_name`); a positional app is ignored, as Gunicorn does.
        case gunicorn
    }

    /// A setting's value as a flag gave it.
    struct Given: Sendable {
        let setting: Setting
        let value: RawValue
        let flag: String
    }

    /// Settings given, in order.
    var given: [Given] = []
    /// Gunicorn settings Drover ignores or refuses, with the flag that named them.
    var gunicornOnly: [(setting: GunicornOnlySetting, flag: String)] = []
    /// The positional app (`main:app`).
    public var appModule: String?
    /// For `-k command`: the program and its arguments, after `--`.
    public var command: [String] = []
    /// `--check-config` (or Gunicorn's `--print-config`): print the configuration and exit.
    public var checkConfig = false
    /// `-h`, `--help`.
    public var help = false
    /// `--version`.
    public var version = false

    public init() {}

    /// Parses `words` (the arguments without the program's name).
    public static func parse(_ words: [String], dialect: Dialect = .drover) throws(ConfigurationError) -> DaemonOptions
    {
        var options = DaemonOptions()
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            if word == "--" && dialect == .drover {
                options.command = Array(words[index...])
                break
            }
            guard word.hasPrefix("-"), word.count > 1 else {
                if dialect == .gunicorn { continue }
                guard options.appModule == nil else {
                    throw ConfigurationError(
                        "unexpected argument '\(word)' after the app '\(options.appModule!)'; a command goes after --, e.g. droverd -k command -- \(options.appModule!) \(word)"
                    )
                }
                options.appModule = word
                continue
            }
            var (flag, attached) = split(word)
            switch (flag, dialect) {
            case ("-h", .drover), ("--help", .drover):
                options.help = true
                continue
            case ("--version", .drover):
                options.version = true
                continue
            case ("--check-config", .drover), ("--print-config", .drover):
                options.checkConfig = true
                continue
            default: break
            }
            func value() throws(ConfigurationError) -> String {
                if let attached { return attached }
                guard index < words.count else { throw ConfigurationError("\(flag) needs a value") }
                index += 1
                return words[index - 1]
            }
            if let (spec, inverted) = lookup(flag, dialect: dialect) {
                // Sources and messages name the long flag (`--workers`), whichever spelling was used.
                let named = inverted ? flag : (spec.longFlag ?? flag)
                switch spec.shape {
                case .flag:
                    if let attached {
                        throw ConfigurationError("\(flag) takes no value, got '\(attached)'")
                    }
                    options.given.append(Given(setting: spec.setting, value: .boolean(!inverted), flag: named))
                case .list:
                    options.given.append(Given(setting: spec.setting, value: .list([try value()]), flag: named))
                case .value, .table, .structured:
                    options.given.append(Given(setting: spec.setting, value: .text(try value()), flag: named))
                }
                continue
            }
            if let other = GunicornOnlySetting.all.first(where: { $0.flags.contains(flag) }) {
                switch other.arity {
                case .value: _ = try value()
                case .none:
                    if attached != nil { throw ConfigurationError("\(flag) takes no value") }
                case .optional(let modes):
                    if attached == nil, index < words.count, modes.contains(words[index]) { index += 1 }
                }
                options.gunicornOnly.append((other, other.flags.last ?? flag))
                continue
            }
            if dialect == .gunicorn, lookup(flag, dialect: .drover) != nil {
                throw ConfigurationError("\(flag) is not a Gunicorn flag; put it in DROVER_ARGS")
            }
            attached = nil
            throw ConfigurationError("unknown option '\(flag)'" + suggestion(for: flag, dialect: dialect))
        }
        return options
    }

    /// `--flag=value` → (`--flag`, `value`); `-w4` → (`-w`, `4`).
    private static func split(_ word: String) -> (String, String?) {
        if word.hasPrefix("--") {
            guard let equals = word.firstIndex(of: "=") else { return (word, nil) }
            return (String(word[..<equals]), String(word[word.index(after: equals)...]))
        }
        guard word.count > 2 else { return (word, nil) }
        let flag = String(word.prefix(2))
        return (flag, String(word.dropFirst(2)))
    }

    /// The setting a flag names, and whether it is the flag's inversion (`--no-wait-ready`).
    static func lookup(_ flag: String, dialect: Dialect) -> (SettingSpec, Bool)? {
        switch dialect {
        case .gunicorn:
            if let spec = SettingRegistry.all.first(where: { $0.gunicornCommandFlags.contains(flag) }) {
                return (spec, false)
            }
        case .drover:
            if let spec = SettingRegistry.all.first(where: { $0.droverFlags.contains(flag) }) {
                return (spec, spec.inversion == flag)
            }
            if let spec = SettingRegistry.all.first(where: { $0.gunicornCommandFlags.contains(flag) }) {
                return (spec, false)
            }
        }
        return nil
    }

    private static func suggestion(for flag: String, dialect: Dialect) -> String {
        guard flag.hasPrefix("--") else { return "" }
        let known =
            SettingRegistry.all.flatMap { dialect == .drover ? $0.droverFlags : $0.gunicornCommandFlags }
            + GunicornOnlySetting.all.flatMap(\.flags) + ["--check-config", "--help", "--version"]
        guard let best = known.filter({ $0.hasPrefix("--") }).min(by: { distance($0, flag) < distance($1, flag) }),
            distance(best, flag) <= 2
        else { return "" }
        return " (did you mean '\(best)'?)"
    }
}

/// Levenshtein distance, for "did you mean".
func distance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    var previous = Array(0...b.count)
    for (i, x) in a.enumerated() {
        var current = [i + 1]
        for (j, y) in b.enumerated() {
            current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
        }
        previous = current
    }
    return previous[b.count]
}
