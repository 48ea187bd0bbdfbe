//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import DroverShared
import Glibc

/// droverctl's version: droverd's, since both are built from the same tree.
let droverctlVersion = droverVersion

/// `droverctl`: talks to droverd over its control socket.
@main
struct Droverctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "droverctl",
        abstract: "Control a running droverd: status, scale, reload, restart, stop, config, events.",
        discussion: """
            Exit status: 0 success, 1 droverd refused or the operation failed, 2 usage error,
            3 no droverd running at the socket. --socket, --name and --json go before or after
            the subcommand.
            """,
        version: droverctlVersion,
        subcommands: [
            Status.self, Scale.self, Reload.self, Restart.self, Stop.self, Config.self, Events.self, Version.self,
            ReopenLogs.self,
        ]
    )

    static func main() {
        let arguments = Self.globalOptionsLast(Array(CommandLine.arguments.dropFirst()))
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch let code as ExitCode {
            Glibc.exit(code.rawValue)
        } catch {
            if exitCode(for: error) == .success {
                print(fullMessage(for: error))
                Glibc.exit(0)
            }
            // Usage errors: one line and exit 2 (not argument-parser's 64).
            let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            writeError("droverctl: \(message)\n")
            Glibc.exit(2)
        }
    }

    /// Puts the arguments in the order argument-parser reads: `--socket X`, `--name X` and `--json`
    /// written before the subcommand go just after its name, where the subcommand's own options
    /// parse them; after it, options come first and positionals last, behind `--` when one of them
    /// starts with `-` (`scale web -1 --socket S` → `scale --socket S -- web -1`).
    static func globalOptionsLast(_ arguments: [String]) -> [String] {
        var position = 0
        while position < arguments.count, arguments[position].hasPrefix("-") {
            position += GlobalOptions.valued.contains(arguments[position]) ? 2 : 1
        }
        let known = Set(configuration.subcommands.map { $0._commandName })
        guard position < arguments.count, known.contains(arguments[position]) else { return arguments }
        var options = Array(arguments[..<position])
        var positionals: [String] = []
        var index = position + 1
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                positionals += arguments[index...]
                break
            }
            if !argument.hasPrefix("-") || isNegativeNumber(argument) {
                positionals.append(argument)
            } else if GlobalOptions.valued.contains(argument), index < arguments.count {
                options += [argument, arguments[index]]
                index += 1
            } else {
                options.append(argument)
            }
        }
        let separator = positionals.contains { $0.hasPrefix("-") } ? ["--"] : []
        return [arguments[position]] + options + separator + positionals
    }

    /// `-1`, `-20`: a count for `scale`, not an option.
    private static func isNegativeNumber(_ argument: String) -> Bool {
        argument.count > 1 && argument.first == "-" && argument.dropFirst().allSatisfy { $0.isASCII && $0.isNumber }
    }
}
