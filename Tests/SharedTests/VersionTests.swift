//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Foundation
import Testing

/// `droverVersion` is the version; the files that must keep a copy of it are checked here.
@Suite("The version is the same everywhere")
struct VersionTests {
    @Test("the launcher's __version__ is droverd's, and pyproject.toml reads it from there")
    func launcher() throws {
        let module = try repositoryFile("python/drover_worker/__init__.py")
        let declared = module.split(separator: "\n").compactMap { quoted(after: "__version__ = ", in: $0) }
        #expect(declared == [droverVersion])
        let project = try repositoryFile("python/pyproject.toml")
        #expect(project.contains("dynamic = [\"version\"]"))
        #expect(project.contains("version = { attr = \"drover_worker.__version__\" }"))
        #expect(!project.split(separator: "\n").contains { $0.hasPrefix("version = \"") })
    }

    @Test("packaging/debian/changelog's latest entry is droverd's version")
    func changelog() throws {
        let first = try repositoryFile("packaging/debian/changelog").split(separator: "\n").first ?? ""
        #expect(first.hasPrefix("drover (\(droverVersion)) "), "\(first)")
    }

    @Test("the README installs the package of this version")
    func readme() throws {
        let text = try repositoryFile("README.md")
        let packages = text.components(separatedBy: "drover_").dropFirst().compactMap { rest in
            rest.first?.isNumber == true ? rest.prefix { $0 != "_" } : nil
        }
        #expect(!packages.isEmpty)
        #expect(packages.allSatisfy { $0 == droverVersion }, "\(packages)")
    }

    @Test("the man pages carry no version of their own (a bare .Os)")
    func manPages() throws {
        let directory = repositoryRoot + "/man"
        let pages = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(pages.count >= 5)
        for page in pages {
            let lines = try String(contentsOfFile: directory + "/" + page, encoding: .utf8).split(separator: "\n")
            #expect(lines.filter { $0.hasPrefix(".Os") } == [".Os"], "\(page)")
        }
    }
}

private let repositoryRoot: String = {
    var components = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    components.removeLast(3)
    return components.joined(separator: "/")
}()

private func repositoryFile(_ path: String) throws -> String {
    try String(contentsOfFile: repositoryRoot + "/" + path, encoding: .utf8)
}

/// The double-quoted text after `prefix` at the start of `line`, if the line is that.
private func quoted(after prefix: String, in line: Substring) -> String? {
    guard line.hasPrefix(prefix + "\"") else { return nil }
    return String(line.dropFirst(prefix.count + 1).prefix { $0 != "\"" })
}
