//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

/// Where the tests find the repository, the built binaries and the Python venv.
enum Paths {
    /// The repository root (this file is Tests/IntegrationTests/Support/Paths.swift).
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The directory of the test binary, where SwiftPM also puts droverd and droverctl.
    static let products: URL = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // swift test runs <products>/dorverPackageTests.xctest directly.
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("droverd").path), url.path != "/" {
            url.deleteLastPathComponent()
        }
        return url
    }()

    static var droverd: String { products.appendingPathComponent("droverd").path }
    static var droverctl: String { products.appendingPathComponent("droverctl").path }
    static var venvBin: String { root.appendingPathComponent(".venv/bin").path }
    static var python: String { venvBin + "/python" }
    static var fixtures: URL { root.appendingPathComponent("Tests/Fixtures/apps") }
    static var example: URL { root.appendingPathComponent("examples/hello") }

    /// A fresh directory for one test; removed by the caller.
    static func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("drover-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
