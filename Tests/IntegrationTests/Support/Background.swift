//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A process a test runs next to droverd (e.g. `droverctl events`), with its stdout in a file.
final class BackgroundProcess {
    let process = Process()
    private let outputURL: URL

    init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        outputURL = try Paths.temporaryDirectory("background").appendingPathComponent("stdout")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var output: String { (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "" }

    /// SIGTERM, then SIGKILL if it is still there after 5 s (unshare ignores SIGTERM, for one).
    func terminate() {
        guard process.isRunning else { return }
        process.terminate()
        if (try? waitFor("exit", timeout: 5, { process.isRunning ? nil : true })) == nil {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }

    deinit { terminate() }
}

extension Process {
    static func background(_ executable: String, _ arguments: [String]) throws -> BackgroundProcess {
        try BackgroundProcess(executable, arguments)
    }
}

extension DroverProcess {
    /// `droverctl --json events` on this droverd, once its subscription is in place.
    func subscribeToEvents() throws -> BackgroundProcess {
        let events = try Process.background(Paths.droverctl, ["--socket", controlSocket, "--json", "events"])
        try waitFor("the events subscription") { events.output.contains("subscribed") ? true : nil }
        return events
    }
}
