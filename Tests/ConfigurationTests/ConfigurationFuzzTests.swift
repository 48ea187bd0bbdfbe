//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import DroverConfiguration
import DroverShared
import Testing

/// Hostile configuration: every bad value is one line that names its culprit, and nothing
/// (random TOML, random flags) crashes the resolver.
@Suite("Configuration fuzzing")
struct ConfigurationFuzzTests {
    /// One hostile input and a piece of the one-line error it must give.
    struct Hostile: CustomTestStringConvertible, Sendable {
        var arguments: [String] = []
        var environment: [String: String] = [:]
        var toml: String? = nil
        var cores = 2
        let expected: String

        var testDescription: String {
            let env = environment.map { "\($0)=\($1.debugDescription)" }.sorted().joined(separator: " ")
            return [arguments.joined(separator: " "), env, toml.map { "toml \($0.debugDescription)" } ?? ""]
                .filter { !$0.isEmpty }.joined(separator: " ")
        }
    }

    static let hostile: [Hostile] = [
        // The seed's variables, with values from the wild.
        Hostile(environment: ["WEB_CONCURRENCY": "-1"], expected: "WEB_CONCURRENCY: -1 is out of range"),
        Hostile(environment: ["WEB_CONCURRENCY": "99999999999999999999"], expected: "WEB_CONCURRENCY: '9"),
        Hostile(environment: ["WEB_CONCURRENCY": "two"], expected: "WEB_CONCURRENCY: 'two' is not a whole number"),
        Hostile(environment: ["PORT": "abc"], expected: "PORT: bind '0.0.0.0:abc': port 'abc'"),
        Hostile(environment: ["PORT": "70000"], expected: "PORT: bind '0.0.0.0:70000'"),
        Hostile(environment: ["PORT": "8\n0"], expected: "PORT: bind '0.0.0.0:8\\n0'"),
        Hostile(environment: ["TIMEOUT": "1e309"], expected: "TIMEOUT: '1e309' is not a number of seconds"),
        Hostile(environment: ["TIMEOUT": "nan"], expected: "TIMEOUT: 'nan' is not a number of seconds"),
        Hostile(environment: ["TIMEOUT": "-5"], expected: "TIMEOUT: -5 is out of range"),
        Hostile(environment: ["TIMEOUT": "0.0004"], expected: "TIMEOUT: 0.0004 is less than a millisecond"),
        Hostile(environment: ["GRACEFUL_TIMEOUT": "86401"], expected: "GRACEFUL_TIMEOUT: 86401 is out of range"),
        Hostile(environment: ["BIND": "[::"], expected: "BIND: bind '[::': missing ']'"),
        Hostile(environment: ["BIND": "unix:"], expected: "BIND: bind 'unix:': empty Unix socket path"),
        Hostile(
            environment: ["BIND": "unix:/" + String(repeating: "s", count: 200)],
            expected: "longer than 107 bytes"
        ),
        Hostile(environment: ["HOST": "::1", "PORT": "80"], expected: "write IPv6 addresses in brackets"),
        Hostile(environment: ["WORKERS_PER_CORE": "nan"], expected: "WORKERS_PER_CORE: 'nan' is not a number"),
        Hostile(environment: ["WORKERS_PER_CORE": "1e308"], expected: "WORKERS_PER_CORE: 1e+308 × 2 CPUs"),
        Hostile(environment: ["WORKERS_PER_CORE": "100000"], expected: "more than 10000 workers"),
        Hostile(environment: ["MAX_WORKERS": "-3"], expected: "MAX_WORKERS: -3 is out of range"),
        Hostile(environment: ["LOG_LEVEL": "loud"], expected: "LOG_LEVEL: 'loud' is not one of"),
        Hostile(environment: ["MODULE_NAME": "main", "VARIABLE_NAME": "1bad"], expected: "'main:1bad'"),
        Hostile(environment: ["APP_MODULE": "main"], expected: "APP_MODULE: 'main' is not MODULE:VARIABLE"),
        Hostile(
            environment: ["GUNICORN_CMD_ARGS": "--workers"],
            expected: "GUNICORN_CMD_ARGS: --workers needs a value"
        ),
        Hostile(environment: ["DROVER_ARGS": "--bogus"], expected: "DROVER_ARGS: unknown option '--bogus'"),
        // Flags that conflict or lack their values.
        Hostile(arguments: ["--workers", "--timeout", "5"], expected: "--workers: '--timeout' is not a whole number"),
        Hostile(arguments: ["--timeout"], expected: "--timeout needs a value"),
        Hostile(arguments: ["--bogus"], expected: "unknown option '--bogus'"),
        Hostile(
            arguments: ["--boot-timeout", "0.0001"],
            expected: "--boot-timeout: 0.0001 is less than a millisecond"
        ),
        Hostile(arguments: ["--boot-timeout", "0"], expected: "--boot-timeout: 0 is out of range"),
        Hostile(arguments: ["-k", "command"], expected: "--worker-class command needs the program after --"),
        // Malformed and hostile TOML.
        Hostile(toml: "workers = 3\nworkers = 4\n", expected: "drover.toml:2: invalid TOML"),
        Hostile(toml: "workers = \"3\n", expected: "drover.toml:1: invalid TOML"),
        Hostile(toml: "workers = 3\n\u{FFFD} = 1\n", expected: "drover.toml:2: invalid TOML"),
        Hostile(toml: "workers = 3\0\nworkers = 4\n", expected: "drover.toml:1: a NUL character"),
        Hostile(toml: "app = \"main:app\\u0000junk\"\n", expected: "drover.toml:1: a NUL character"),
        Hostile(toml: "bind = \"unix:/tmp/a\\u0000b\"\n", expected: "drover.toml:1: a NUL character"),
        Hostile(toml: "\n\"workers\\u0000x\" = 3\n", expected: "drover.toml:2: a NUL character"),
        Hostile(toml: "[pools.\"web\\U00000000x\"]\n", expected: "drover.toml:1: a NUL character"),
        // Found by the mutation test below: toml++ asserts (and aborted droverd, even on reload).
        Hostile(
            toml: "workers = 2\n[[[pools\n",
            expected: "drover.toml:2: invalid TOML: a table header needs a key, saw '['"
        ),
        Hostile(
            toml: "[\rpools.web]\n",
            expected: "drover.toml:1: invalid TOML: a table header needs a key, saw '\\r'"
        ),
        Hostile(toml: "[\n", expected: "drover.toml:1: invalid TOML: a table header needs a key, saw '\\n'"),
        Hostile(
            toml: "command = [\"python3\",} \"jobs.py\"]\n",
            expected: "drover.toml: invalid TOML: the parser gave up at an internal check (!is_value_terminator(*cp))"
        ),
        Hostile(toml: "\"a\\nb\" = 1\n", expected: "drover.toml: unknown key 'a\\nb'"),
        Hostile(toml: "[pools.\"a\\nb\"]\n", expected: "drover.toml: pools.a\\nb: a pool name may use"),
        Hostile(toml: "timeout = inf\n", expected: "drover.toml:1: timeout: expected a number of seconds"),
        Hostile(toml: "timeout = nan\n", expected: "drover.toml:1: timeout: expected a number of seconds"),
        Hostile(
            toml: "workers = 1979-05-27\n",
            expected: "drover.toml:1: workers: expected a single value, got a date"
        ),
        Hostile(
            toml: "workers = 9223372036854775807\n",
            expected: "drover.toml:1: workers: 9223372036854775807 is out"
        ),
        Hostile(toml: "[[pools]]\nname = 1\n", expected: "drover.toml:1: pools: expected tables [pools.NAME]"),
        Hostile(toml: "[pools]\nweb = 3\n", expected: "drover.toml:2: pools.web: expected a table"),
        Hostile(toml: "pools = { web = { workers = 0 } }\n", expected: "pools.web.workers: 0 is out of range"),
        Hostile(toml: "env = { \"A=B\" = \"x\" }\n", expected: "drover.toml:1: env: 'A=B' is not a variable name"),
        Hostile(toml: "[env]\nA = \"1\"\n[env.B]\nC = \"x\"\n", expected: "env.B: expected a string"),
        Hostile(toml: "workers = [1]\n", expected: "drover.toml:1: workers: expected a single value, got an array"),
        Hostile(toml: "bind = [\"127.0.0.1:1\", 7]\n", expected: "drover.toml:1: bind: expected a list of strings"),
    ]

    @Test("a hostile value is one line naming its culprit", arguments: hostile)
    func hostileValue(_ input: Hostile) {
        let message = resolveError(input.arguments, environment: input.environment, toml: input.toml)
        #expect(message.contains(input.expected), "\(message)")
        #expect(!message.contains("\n"), "\(message.debugDescription)")
    }

    /// Valid documents that the mutations start from.
    static let seeds = [
        "workers = 3\nbind = [\"127.0.0.1:8000\", \"unix:/run/drover/web.sock\"]\ntimeout = 30\n",
        "app = \"main:app\"\nlog_level = \"debug\"\n[env]\nA = \"1\"\n",
        "[pools.web]\napp = \"main:app\"\nworkers = 2\n[pools.jobs]\nkind = \"command\"\ncommand = [\"python3\", \"jobs.py\"]\nworkers = 1\n",
        "graceful_timeout = 20.5\nmax_requests = 1000\nmax_requests_jitter = 50\nkeep_alive = 5\n",
    ]

    /// What the mutations insert: TOML's own punctuation, keys, and bytes that break parsers.
    static let fragments = [
        "=", "[", "]", "[[", "]]", "{", "}", "\"", "'", "\"\"\"", ",", ".", "#", "\n", "\\", "\\u", "\\u0000", "\0",
        "\u{7}", "\u{FEFF}", "\u{D7FF}", "é", "😀", "-1", "1e309", "nan", "inf", "0x7fffffffffffffff", "99999999999",
        "true", "1979-05-27T07:32:00Z", "workers", "pools", "env", "bind", "kind", "command", "app", "timeout",
        "unix:", "[::", "{fd:9}", String(repeating: "a", count: 300),
    ]

    @Test("3000 mutated TOML documents: each resolves or gives one line naming drover.toml")
    func mutatedDocuments() throws {
        // Parsed once: the argument parser is the slow part of a resolve in a debug build.
        let options = try DaemonOptions.parse([])
        var random = SeededRandom(seed: 0x5EED)
        var accepted = 0
        for round in 0..<3000 {
            var text = Array(Self.seeds[round % Self.seeds.count].unicodeScalars)
            for _ in 0...Int.random(in: 0...3, using: &random) {
                let at = Int.random(in: 0...text.count, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0: text.insert(contentsOf: Self.fragments.randomElement(using: &random)!.unicodeScalars, at: at)
                case 1: if at < text.count { text.remove(at: at) }
                case 2: text = Array(text.prefix(at))
                default:
                    let scalar = Unicode.Scalar(UInt8.random(in: 0...127, using: &random))
                    if at < text.count { text[at] = scalar } else { text.append(scalar) }
                }
            }
            var document = ""
            document.unicodeScalars.append(contentsOf: text)
            do {
                _ = try ConfigurationResolver.resolve(
                    ConfigurationInputs(
                        options: options,
                        environment: [:],
                        file: try ConfigurationFile(path: "drover.toml", text: document),
                        cores: 2,
                        fileExists: { $0 == "main.py" }
                    )
                )
                accepted += 1
            } catch {
                #expect(error.message.hasPrefix("drover.toml"), "\(document.debugDescription) → \(error.message)")
                #expect(!error.message.contains("\n"), "\(document.debugDescription) → \(error.message)")
            }
        }
        print("configuration fuzzing: 3000 mutated documents, \(accepted) accepted, \(3000 - accepted) refused")
        #expect(accepted > 0 && accepted < 3000)
    }

    static let flags = [
        "-w", "--workers", "-b", "--bind", "-t", "--timeout", "--graceful-timeout", "--boot-timeout", "-k",
        "--worker-class", "--reload", "--reload-include", "--reload-exclude", "--log-level", "--max-requests",
        "--keep-alive", "--error-logfile", "--access-logfile", "--pid", "--", "--bogus",
    ]
    static let values = [
        "", "0", "1", "-1", "3", "1e309", "nan", "abc", "127.0.0.1:0", "[::", "unix:", "uvicorn", "command", "*.py",
        "debug", "/tmp/x", "main:app", "\u{7}", "é",
    ]

    @Test("200 random command lines: each parses or gives one line")
    func randomCommandLines() {
        var random = SeededRandom(seed: 0xF1A65)
        var accepted = 0
        for _ in 0..<200 {
            var arguments: [String] = []
            for _ in 0..<Int.random(in: 1...5, using: &random) {
                arguments.append(Self.flags.randomElement(using: &random)!)
                if Bool.random(using: &random) { arguments.append(Self.values.randomElement(using: &random)!) }
            }
            do {
                _ = try resolve(arguments)
                accepted += 1
            } catch let error as ConfigurationError {
                #expect(!error.message.isEmpty && !error.message.contains("\n"), "\(arguments) → \(error.message)")
            } catch {
                Issue.record("\(arguments) → not a ConfigurationError: \(error)")
            }
        }
        print("configuration fuzzing: 200 random command lines, \(accepted) accepted")
        #expect(accepted > 0 && accepted < 200)
    }
}

/// A small deterministic generator (SplitMix64), so a failing input can be found again.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
