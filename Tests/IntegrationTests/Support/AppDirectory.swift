//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

/// A temporary app directory for one test, removed when the test is done with it.
final class AppDirectory {
    let url: URL

    init(_ name: String) throws {
        url = try Paths.temporaryDirectory(name)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    var path: String { url.path }

    /// Writes `text` at `relative` (creating directories).
    func write(_ relative: String, _ text: String) throws {
        let file = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: file, atomically: true, encoding: .utf8)
    }

    /// Copies these files of Tests/Fixtures/apps into the directory.
    func copyFixtures(_ names: [String]) throws {
        for name in names {
            try FileManager.default.copyItem(
                atPath: Paths.fixtures.appendingPathComponent(name).path,
                toPath: path + "/" + name
            )
        }
    }

    /// Copies Tests/Fixtures/apps/named_app.py to `relative`, answering with `name`.
    func namedApp(_ relative: String, name: String) throws {
        let source = try String(contentsOf: Paths.fixtures.appendingPathComponent("named_app.py"), encoding: .utf8)
        try write(relative, source.replacingOccurrences(of: "NAME = \"named\"", with: "NAME = \"\(name)\""))
    }
}
