//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// One line of `/proc/PID/maps`: an address range, its permissions and what it maps.
struct MemoryMapping: Equatable, Sendable {
    /// The first address.
    var start: UInt64
    /// The address after the last.
    var end: UInt64
    /// `r-xp`, `rw-s`, ...: read, write, execute, then `p` (private) or `s` (shared).
    var permissions: String
    /// The file's path (with ` (deleted)` when it was replaced), `[heap]`-like names, or "" for
    /// anonymous memory.
    var path: String

    /// A mapping as given.
    init(start: UInt64, end: UInt64, permissions: String, path: String) {
        self.start = start
        self.end = end
        self.permissions = permissions
        self.path = path
    }

    /// The mapping a line describes (`55d0c0a00000-55d0c1e2a000 r-xp 00200000 fe:00 123 /usr/bin/droverd`);
    /// nil for a line that is not one.
    init?(line: Substring) {
        let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
        guard fields.count >= 5 else { return nil }
        let bounds = fields[0].split(separator: "-")
        guard bounds.count == 2, let start = UInt64(bounds[0], radix: 16), let end = UInt64(bounds[1], radix: 16),
            start < end, fields[1].count == 4
        else { return nil }
        self.init(
            start: start,
            end: end,
            permissions: String(fields[1]),
            path: fields.count == 6 ? String(fields[5].drop(while: { $0 == " " })) : ""
        )
    }

    /// A private mapping of a file (code, read-only data, a data segment): not anonymous memory,
    /// not a `[heap]`-like region, not shared memory (`/memfd:`, `/dev/`, `MAP_SHARED`).
    var isPrivateFile: Bool {
        permissions.hasSuffix("p") && path.hasPrefix("/") && !path.hasPrefix("/memfd:") && !path.hasPrefix("/dev/")
    }

    /// Its length in bytes.
    var length: UInt64 { end - start }

    /// Every mapping in a `/proc/PID/maps` text.
    static func parse(_ text: String) -> [MemoryMapping] {
        text.split(separator: "\n").compactMap { MemoryMapping(line: $0) }
    }
}
