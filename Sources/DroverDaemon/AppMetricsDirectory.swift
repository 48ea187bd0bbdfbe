//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc

/// One `PROMETHEUS_MULTIPROC_DIR` droverd manages: the file work on it (clearing, marking a process
/// dead, folding its files into the archives, reading every file). The decisions are the pure
/// ``MultiprocessFile``, ``MultiprocessFold`` and ``MultiprocessCollector``'s.
struct AppMetricsDirectory: Hashable, Sendable {
    /// The suffix of an archive being written: not `.db`, so no collector reads it half-written.
    static let partialSuffix = ".folding"
    /// The largest `used` droverd reads (a file claiming more is corrupt).
    static let maximumUsed = 256 << 20

    let path: String

    /// Removes every `*.db` (and a partial archive a killed droverd left), as the usual `on_starting`
    /// does: files of processes that are gone, which would be summed in.
    func clear() {
        for name in directoryEntries(path) ?? []
        where name.hasSuffix(".db") || name.hasSuffix(".db" + Self.partialSuffix) {
            unlink(path + "/" + name)
        }
    }

    /// `mark_process_dead(pid)`: the process's live gauges go.
    func markDead(_ pid: Int32) {
        for name in MultiprocessFileName.all(pid: String(pid)) where name.isLive { unlink(file(name)) }
    }

    /// Folds what dead process `pid` wrote into the archives and removes its files; returns a
    /// warning for each file that could not be folded (a corrupt file is removed all the same: no
    /// collector can read it, the library's raises).
    func fold(_ pid: Int32) -> [String] {
        var warnings: [String] = []
        for name in MultiprocessFileName.all(pid: String(pid)) {
            let dead = file(name)
            guard name.isFolded else {
                unlink(dead)
                continue
            }
            let entries: [MultiprocessFile.Entry]
            switch read(dead) {
            case .missing: continue
            case .corrupt(let reason):
                warnings.append("\(dead): \(reason); removed without folding")
                unlink(dead)
                continue
            case .entries(let found): entries = found
            }
            if !entries.isEmpty {
                let archive = file(name.archive)
                var kept: [MultiprocessFile.Entry] = []
                switch read(archive) {
                case .missing: break
                case .corrupt(let reason):
                    warnings.append("\(archive): \(reason); \(dead) left in place")
                    continue
                case .entries(let found): kept = found
                }
                let folded = MultiprocessFold.fold(entries, into: kept, kind: name)
                if let problem = replace(archive, with: MultiprocessFile.encode(folded)) {
                    warnings.append("\(archive): \(problem); \(dead) left in place")
                    continue
                }
            }
            unlink(dead)
        }
        return warnings
    }

    /// Every file a collector reads (`*.db` of the library's names), sorted by name; a corrupt one
    /// is left out with the reason, one that went meanwhile (a live gauge's) silently.
    func read() -> (files: [MultiprocessCollector.File], corrupt: [(path: String, reason: String)]) {
        var files: [MultiprocessCollector.File] = []
        var corrupt: [(String, String)] = []
        for entry in (directoryEntries(path) ?? []).sorted() {
            guard let name = MultiprocessFileName(entry) else { continue }
            switch read(path + "/" + entry) {
            case .missing: continue
            case .corrupt(let reason): corrupt.append((path + "/" + entry, reason))
            case .entries(let entries): files.append(MultiprocessCollector.File(name: name, entries: entries))
            }
        }
        return (files, corrupt)
    }

    /// How many `*.db` files it holds.
    var fileCount: Int {
        (directoryEntries(path) ?? []).count { $0.hasSuffix(".db") }
    }

    private func file(_ name: MultiprocessFileName) -> String {
        path + "/" + name.description
    }

    private enum Contents {
        case missing
        case corrupt(String)
        case entries([MultiprocessFile.Entry])
    }

    /// A file's valid part, read with `pread` (a worker may write on: `used` bounds what counts).
    private func read(_ file: String) -> Contents {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return errno == ENOENT ? .missing : .corrupt(errnoText()) }
        defer { close(fd) }
        var header = [UInt8](repeating: 0, count: MultiprocessFile.headerSize)
        let got = header.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard got >= 0 else { return .corrupt(errnoText()) }
        let used = MultiprocessFile.used(header: header.prefix(got))
        guard used <= Self.maximumUsed else { return .corrupt("used \(used) is too large") }
        var bytes = [UInt8](repeating: 0, count: max(used, got))
        let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { return .corrupt(errnoText()) }
        do {
            return .entries(try MultiprocessFile.entries(in: Array(bytes.prefix(count))))
        } catch {
            return .corrupt(error.description)
        }
    }

    /// Writes `bytes` to a partial file beside `target` and renames it over `target` (no fsync:
    /// the directory does not outlive droverd, or is cleared when it starts again).
    private func replace(_ target: String, with bytes: [UInt8]) -> String? {
        let partial = target + Self.partialSuffix
        let fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return errnoText() }
        let written = bytes.withUnsafeBytes { writeAll(fd, $0) }
        let problem = written ? nil : errnoText()
        close(fd)
        guard let problem else {
            guard rename(partial, target) == 0 else { return errnoText() }
            return nil
        }
        unlink(partial)
        return problem
    }
}
