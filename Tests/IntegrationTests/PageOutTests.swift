//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension Integration {
    /// `page_out_code`: once the pool is up, droverd pages out the code it ran only while starting,
    /// and the template's import-time file pages.
    @Suite("page_out_code")
    struct PageOutTests {
        /// What `pid` has resident of files, from /proc/PID/smaps: with `executable`, its own
        /// executable's code (`Rss` of its `r-xp` mapping); without, the file pages no other process
        /// maps (`Private_Clean` of its private file mappings: what a page-out can free).
        static func residentFile(_ pid: Int32, executable: Bool) -> Int {
            let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")) ?? "?"
            guard let data = FileHandle(forReadingAtPath: "/proc/\(pid)/smaps")?.readDataToEndOfFile() else { return 0 }
            let text = String(decoding: data, as: UTF8.self)
            var counted = false
            var total = 0
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
                if fields.count >= 5, fields[0].contains("-"), fields[1].count == 4 {
                    let path = fields.count == 6 ? String(fields[5]).trimmingCharacters(in: .whitespaces) : ""
                    counted =
                        executable
                        ? fields[1] == "r-xp" && path == exe
                        : fields[1].hasSuffix("p") && path.hasPrefix("/") && !path.hasPrefix("/memfd:")
                } else if counted, fields.first == (executable ? "Rss:" : "Private_Clean:") {
                    total += (Int(fields[1]) ?? 0) * 1024
                }
            }
            return total
        }

        /// droverd in fork mode with these flags, once its worker answers HTTP. (Not `status`: a
        /// control request runs code that the page-out then finds resident again.)
        func start(_ extra: [String], in directory: AppDirectory) throws -> DroverProcess {
            let drover = try DroverProcess(
                ["--spawn", "fork", "-w", "1", "-b", "127.0.0.1:0", "--graceful-timeout", "5"] + extra + [
                    "facts_app:app"
                ],
                in: directory.url
            )
            let port = try drover.port()
            try waitFor("the worker answering") { (try? httpGet(port: port).status) == 200 ? true : nil }
            return drover
        }

        @Test(
            "paged out once the pool is up: droverd's resident code and the template's file pages shrink; respawn, status and reload work after",
            .enabled(
                if: getuid() == 0,
                "MADV_PAGEOUT frees file pages only for a process that may write the files (root may)"
            )
        )
        func pagedOut() throws {
            let directory = try AppDirectory("page-out")
            try directory.copyFixtures(["facts_app.py"])
            // One droverd at a time: the kernel keeps a page another process maps, such as a second droverd.
            let kept = try start(["--no-page-out-code"], in: directory)
            try kept.waitUntilReady()
            let keptTemplate = try #require(kept.templates.first)
            let keptCode = Self.residentFile(kept.pid, executable: true)
            let keptTemplateFiles = Self.residentFile(keptTemplate, executable: false)
            #expect(try kept.stop() == 0)

            let drover = try start([], in: directory)
            let template = try #require(drover.templates.first)
            try waitFor("droverd's code paged out (kept: \(keptCode >> 10) KiB resident)") {
                Self.residentFile(drover.pid, executable: true) < keptCode / 2 ? true : nil
            }
            try waitFor("the template's file pages paged out (kept: \(keptTemplateFiles >> 10) KiB resident)") {
                Self.residentFile(template, executable: false) < keptTemplateFiles / 2 ? true : nil
            }
            // What runs after comes back page by page: a respawn (forked), status, a reload.
            let port = try drover.port()
            let worker = try #require(drover.workers.first)
            kill(worker, SIGKILL)
            try waitFor("a replacement") { drover.workers.count == 1 && drover.workers != [worker] ? true : nil }
            try drover.waitUntilReady()
            #expect(try httpGet(port: port).status == 200)
            #expect(try drover.ctl("reload").status == 0)
            #expect(try httpGet(port: port).status == 200)
            #expect(drover.templates.count == 1 && drover.templates != [template])
            #expect(try drover.stop() == 0)
        }
    }
}
