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

    /// Moves `--socket X`, `--name X` and `--json` written before the subcommand to just after its name,
    /// where the subcommand's own options parse them.
    static func globalOptionsLast(_ arguments: [String]) -> [String] {
        var moved: [String] = []
        var rest: [String] = []
        var index = 0
        var seenSubcommand = false
        let known = Set(configuration.subcommands.map { $0._commandName })
        var position = 0
        while position < arguments.count, arguments[position].hasPrefix("-") {
            position += GlobalOptions.valued.contains(arguments[position]) ? 2 : 1
        }
        guard position < arguments.count, known.contains(arguments[position]) else { return arguments }
        while index < arguments.count {
            let argument = arguments[index]
            // `scale web -2`: a negative count is a value, not an option.
            if seenSubcommand, argument.count > 1, argument.first == "-", argument.dropFirst().allSatisfy(\.isNumber) {
                rest += ["--", argument]
                index += 1
                continue
            }
            let name = String(argument.split(separator: "=", maxSplits: 1).first ?? "")
            if !seenSubcommand, GlobalOptions.valued.contains(argument), index + 1 < arguments.count {
                moved += [argument, arguments[index + 1]]
                index += 2
                continue
            }
            if !seenSubcommand, GlobalOptions.valued.contains(name) || GlobalOptions.flags.contains(argument) {
                moved.append(argument)
                index += 1
                continue
            }
            rest.append(argument)
            index += 1
            if !seenSubcommand && !argument.hasPrefix("-") {
                // Right after the subcommand's name, before any `--`.
                seenSubcommand = true
                rest += moved
                moved = []
            }
        }
        return rest + moved
    }
}
