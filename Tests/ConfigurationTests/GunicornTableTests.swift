//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverConfiguration
import DroverShared
import Foundation
import Testing

@Suite("Gunicorn's settings")
struct GunicornTableTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("every Gunicorn 27 setting is known: the registry's names are exactly those of Gunicorn from PyPI")
    func names() throws {
        let python = Self.root.appendingPathComponent(".venv/bin/python").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [
            "-c",
            "import gunicorn; from gunicorn.config import KNOWN_SETTINGS as k; print(gunicorn.__version__); print('\\n'.join(sorted(s.name for s in k)))",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(
            process.terminationStatus == 0,
            "gunicorn is not installed in .venv (scripts/bootstrap installs it)"
        )
        var lines = output.split(separator: "\n").map(String.init)
        let version = lines.removeFirst()
        #expect(version.hasPrefix("27."))
        #expect(lines.count == 120)
        #expect(
            Set(GunicornTable.names) == Set(lines),
            "missing: \(Set(lines).subtracting(GunicornTable.names)), extra: \(Set(GunicornTable.names).subtracting(lines))"
        )
        #expect(GunicornTable.names.count == Set(GunicornTable.names).count, "a setting is declared twice")
    }

    /// Writes `text` to `relative` when DROVER_WRITE_DOCS=1; then checks the file begins with it.
    static func check(_ relative: String, _ text: String) throws {
        let path = root.appendingPathComponent(relative)
        if ProcessInfo.processInfo.environment["DROVER_WRITE_DOCS"] == "1" {
            try text.write(to: path, atomically: true, encoding: .utf8)
        }
        let written = try String(contentsOf: path, encoding: .utf8)
        #expect(
            written.hasPrefix(text),
            "\(relative) is out of date: DROVER_WRITE_DOCS=1 swift test --filter GunicornTableTests"
        )
    }

    @Test("docs/SETTINGS.md is the table the registry writes")
    func settingsDocument() throws {
        try Self.check("docs/SETTINGS.md", SettingsTable.markdown)
    }

    @Test("docs/GUNICORN.md is the table the registry writes")
    func document() throws {
        try Self.check("docs/GUNICORN.md", GunicornTable.markdown)
    }
}
