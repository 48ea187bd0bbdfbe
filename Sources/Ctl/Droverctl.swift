//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// `droverctl`: talks to droverd over its control socket.
///
/// The control socket and its verbs are not built yet; until then droverd is driven by
/// signals (HUP reload, TTIN/TTOU scale, TERM/QUIT stop, USR1 reopen logs).
@main
struct Droverctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "droverctl",
        abstract: "Control a running droverd (status, scale, reload, restart, stop).",
        discussion:
            "Not available yet: droverd has no control socket so far. Use signals: HUP, TTIN, TTOU, TERM, QUIT.",
        version: "0.1.0"
    )

    func run() throws {
        let message = "droverctl: droverd has no control socket yet; use signals (HUP, TTIN, TTOU, TERM, QUIT)\n"
        _ = message.withCString { write(2, $0, strlen($0)) }
        throw ExitCode(1)
    }
}
