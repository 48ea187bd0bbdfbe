//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing

@testable import DroverDaemon

#if canImport(Glibc)
import Glibc
#endif

@Suite("page_out_code: /proc/PID/maps and what is paged out")
struct ColdPagesTests {
    static let maps = """
        55d0c0a00000-55d0c0c00000 r--p 00000000 fe:00 123   /usr/bin/droverd
        55d0c0c00000-55d0c1e2a000 r-xp 00200000 fe:00 123   /usr/bin/droverd
        55d0c1e2a000-55d0c1f00000 rw-p 0142a000 fe:00 123   /usr/bin/droverd
        55d0c2000000-55d0c2100000 rw-p 00000000 00:00 0     [heap]
        7f0000000000-7f0000100000 rw-p 00000000 00:00 0 
        7f0000100000-7f0000200000 r-xp 00000000 fe:00 77    /usr/lib/my lib/libx.so (deleted)
        7f0000200000-7f0000201000 rw-s 00000000 00:01 9     /memfd:drover-heartbeat (deleted)
        7f0000201000-7f0000202000 r--s 00000000 fe:00 78    /var/cache/shared.bin
        7f0000300000-7f0000301000 rw-p 00000000 00:05 10    /dev/zero
        7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0     [stack]
        not a mapping
        """

    @Test("each line parsed: bounds, permissions, a path with spaces and (deleted), anonymous memory")
    func parse() {
        let mappings = MemoryMapping.parse(Self.maps)
        #expect(mappings.count == 10)
        #expect(
            mappings[1]
                == MemoryMapping(
                    start: 0x55d0_c0c0_0000,
                    end: 0x55d0_c1e2_a000,
                    permissions: "r-xp",
                    path: "/usr/bin/droverd"
                )
        )
        #expect(mappings[4].path == "" && mappings[4].length == 0x10_0000)
        #expect(mappings[5].path == "/usr/lib/my lib/libx.so (deleted)")
        #expect(MemoryMapping(line: "7f00-7e00 r-xp 0 fe:00 1 /x") == nil)  // end before start
        #expect(MemoryMapping(line: "7f00-7f10 r-x 0 fe:00 1 /x") == nil)
    }

    @Test("without swap every private file mapping; with swap code alone; never anonymous or shared memory")
    func candidates() {
        let mappings = MemoryMapping.parse(Self.maps)
        #expect(
            ColdPages.candidates(mappings, swap: false).map(\.path) == [
                "/usr/bin/droverd", "/usr/bin/droverd", "/usr/bin/droverd", "/usr/lib/my lib/libx.so (deleted)",
            ]
        )
        #expect(
            ColdPages.candidates(mappings, swap: true).map(\.start) == [0x55d0_c0c0_0000, 0x7f00_0010_0000]
        )
    }

    @Test(
        "this process's code paged out: its executable's resident code shrinks, and runs on",
        .enabled(if: getuid() == 0, "MADV_PAGEOUT frees file pages only for a process that may write the file")
    )
    func ownCode() throws {
        let before = try #require(Self.residentCode())
        #expect(ColdPages.pageOutOwnCode() == nil)
        let after = try #require(Self.residentCode())
        #expect(after < before / 2, "resident code \(before >> 10) KiB → \(after >> 10) KiB")
        #expect(!ColdPages.candidates(pid: getpid()).isEmpty)  // what a template is asked to page out
    }

    /// The resident bytes of this process's executable's code (`r-xp`), from /proc/self/smaps.
    static func residentCode() -> UInt64? {
        guard let executable = ColdPages.readLink("/proc/self/exe"), let text = readTextFile("/proc/self/smaps") else {
            return nil
        }
        var inCode = false
        var total: UInt64 = 0
        for line in text.split(separator: "\n") {
            if let mapping = MemoryMapping(line: line) {
                inCode = mapping.permissions == "r-xp" && mapping.path == executable
            } else if inCode, line.hasPrefix("Rss:") {
                total += (UInt64(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0) * 1024
            }
        }
        return total
    }
}
