//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

/// A process a test runs next to droverd (e.g. `droverctl events`), with its stdout in a file.
final class BackgroundProcess {
    let process = Process()
    private let outputURL: URL

    init(_ executable: String, _ arguments: [String]) throws {
        outputURL = try Paths.temporaryDirectory("background").appendingPathComponent("stdout")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    var output: String { (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "" }

    func terminate() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit { terminate() }
}

extension Process {
    static func background(_ executable: String, _ arguments: [String]) throws -> BackgroundProcess {
        try BackgroundProcess(executable, arguments)
    }
}
