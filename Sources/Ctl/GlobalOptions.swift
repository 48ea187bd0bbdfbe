//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import DroverShared
import Glibc

/// The options every subcommand takes (before or after the subcommand's name).
struct GlobalOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp("The control socket. (env: DROVER_CONTROL_SOCKET; default: as droverd's)", valueName: "PATH")
    )
    var socket: String?

    @Option(
        help: ArgumentHelp(
            "The droverd instance name, for the default socket path. (default: drover)",
            valueName: "NAME"
        )
    )
    var name: String?

    @Flag(help: "Print droverd's JSON lines as they come.")
    var json = false

    /// The options that take a value, for moving them after the subcommand.
    static let valued: Set<String> = ["--socket", "--name"]
    static let flags: Set<String> = ["--json"]

    /// The socket path: `--socket`, `DROVER_CONTROL_SOCKET`, or droverd's default for the name.
    var path: String {
        if let socket { return socket }
        let environment = Self.environment()
        if let socket = environment["DROVER_CONTROL_SOCKET"], !socket.isEmpty { return socket }
        return ControlSocketPath.defaultPath(name: name ?? "drover", environment: environment, uid: geteuid())
    }

    private static func environment() -> [String: String] {
        var result: [String: String] = [:]
        for name in ["DROVER_CONTROL_SOCKET", "RUNTIME_DIRECTORY", "XDG_RUNTIME_DIR"] {
            if let value = getenv(name) { result[name] = String(cString: value) }
        }
        return result
    }
}
