//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Foundation
import Testing

/// droverd's exit statuses are a contract: the tables in README, droverd(8) and docs/KUBERNETES.md
/// list exactly the statuses of ``DroverdExitStatus``, each row starting with its title.
@Suite("Exit statuses: the documented tables and the code agree")
struct ExitStatusTableTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// The rows `| N | text |` of the Markdown table under the heading `heading`.
    static func markdownRows(_ path: String, heading: String) throws -> [(Int32, String)] {
        let lines = try text(path).components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix("#") && $0.contains(heading) }) else {
            Issue.record("\(path): no heading '\(heading)'")
            return []
        }
        var rows: [(Int32, String)] = []
        for line in lines[(start + 1)...] {
            if line.hasPrefix("#") { break }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard line.hasPrefix("|"), cells.count >= 2, let code = Int32(cells[0]) else { continue }
            rows.append((code, cells[1]))
        }
        return rows
    }

    /// The `.It N` entries of droverd.8's EXIT STATUS section, with the text that follows each.
    static func manRows() throws -> [(Int32, String)] {
        let lines = try text("man/droverd.8").components(separatedBy: "\n")
        guard let start = lines.firstIndex(of: ".Sh EXIT STATUS") else {
            Issue.record("droverd.8 has no EXIT STATUS section")
            return []
        }
        var rows: [(Int32, String)] = []
        for (index, line) in lines.enumerated().dropFirst(start + 1) {
            if line.hasPrefix(".Sh") { break }
            guard line.hasPrefix(".It "), let code = Int32(line.dropFirst(4)) else { continue }
            rows.append((code, lines[index + 1]))
        }
        return rows
    }

    static func check(_ rows: [(Int32, String)], in document: String) {
        #expect(rows.map(\.0) == DroverdExitStatus.allCases.map(\.rawValue), "\(document): the statuses")
        for (code, text) in rows {
            guard let status = DroverdExitStatus(rawValue: code) else { continue }
            #expect(text.hasPrefix(status.title), "\(document): status \(code) is '\(status.title)', not '\(text)'")
        }
    }

    @Test("README's table")
    func readme() throws {
        Self.check(try Self.markdownRows("README.md", heading: "Exit statuses"), in: "README.md")
    }

    @Test("droverd(8)'s EXIT STATUS")
    func manPage() throws {
        Self.check(try Self.manRows(), in: "man/droverd.8")
    }

    @Test("docs/KUBERNETES.md's table")
    func kubernetes() throws {
        Self.check(try Self.markdownRows("docs/KUBERNETES.md", heading: "Exit statuses"), in: "docs/KUBERNETES.md")
    }

    @Test("the statuses are distinct, start at 0, and leave the shell's (126 and up) alone")
    func values() {
        let codes = DroverdExitStatus.allCases.map(\.rawValue)
        #expect(Set(codes).count == codes.count)
        #expect(codes.first == 0)
        #expect(codes.allSatisfy { $0 < 126 })
    }
}
