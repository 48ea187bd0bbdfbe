//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing

@testable import DroverDaemon

#if canImport(Glibc)
import Glibc
#endif

@Suite("/proc/PID/smaps_rollup: USS and PSS")
struct SmapsRollupTests {
    @Test("USS is Private_Clean + Private_Dirty, PSS is Pss (not Pss_Anon and the rest), in bytes")
    func parse() {
        let text = """
            55d0c0a00000-7ffd5a3f2000 ---p 00000000 00:00 0                          [rollup]
            Rss:               30000 kB
            Pss:               12345 kB
            Pss_Dirty:          9000 kB
            Pss_Anon:           8000 kB
            Pss_File:           4000 kB
            Shared_Clean:      16000 kB
            Private_Clean:       100 kB
            Private_Dirty:      9000 kB
            """
        #expect(SmapsRollup(parsing: text) == SmapsRollup(unique: 9100 * 1024, proportional: 12345 * 1024))
        #expect(SmapsRollup(parsing: "Rss: 1 kB\n") == SmapsRollup(unique: nil, proportional: nil))
    }

    @Test("This process: PSS above 0 and at most its RSS; a pid that is gone reads nil")
    func thisProcess() throws {
        let rollup = try #require(SmapsRollup.read(pid: getpid()))
        let rss = try #require(ProcessSample.current()).residentBytes
        let pss = try #require(rollup.proportional)
        #expect(pss > 0 && pss <= rss + 4096 * 64)
        #expect(try #require(rollup.unique) > 0)
        #expect(SmapsRollup.read(pid: Int32.max) == nil)
    }
}
