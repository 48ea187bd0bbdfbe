//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDroverShim
import Glibc

/// Code that only starting ran, given back to the kernel once the pools are up (`page_out_code`).
///
/// Starting touches far more code than running does: droverd parses its flags, configuration and
/// TOML, and the kernel maps 64 KiB around each page touched; a template imports the server stack
/// and runs every extension's initialisation. Those clean file pages stay mapped, in RSS and PSS,
/// though nothing runs them again. Paging them out frees them (`MADV_PAGEOUT`); a page needed later
/// is read back from the file, one page at a time for droverd's own code (`MADV_RANDOM`: no
/// readahead window), so what stays resident is what runs. A template pages out its own (droverd
/// sends it the ranges: ``TemplateProcess/pageOut(_:)``), which needs no privilege over it.
///
/// The kernel pages out only what it can give back without a cost to anyone else: pages no other
/// process maps (a template's pages shared with its workers stay), of files the caller may write
/// (root may); and with ``candidates(_:swap:)`` nothing it would have to swap.
enum ColdPages {
    /// The mappings worth paging out: without swap, every private file mapping (the kernel then
    /// reclaims their clean file pages only: code, constants, data never written); with swap, code
    /// alone (`r-xp`), since the kernel would also swap out the anonymous pages of the others —
    /// relocated pointers and live data. Either way the kernel keeps the pages another process maps.
    static func candidates(_ mappings: [MemoryMapping], swap: Bool) -> [MemoryMapping] {
        mappings.filter { $0.isPrivateFile && (!swap || $0.permissions == "r-xp") }
    }

    /// Whether the machine has swap (`SwapTotal` in `/proc/meminfo` above 0; unknown counts as yes).
    static var machineHasSwap: Bool {
        guard let text = readTextFile("/proc/meminfo") else { return true }
        for line in text.split(separator: "\n") where line.hasPrefix("SwapTotal:") {
            return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first != "0"
        }
        return true
    }

    /// Pages out droverd's own file pages, its executable's with no readahead from now on
    /// (`MADV_RANDOM`), so that only the pages it runs come back; nil, or why not.
    static func pageOutOwnCode() -> String? {
        guard let executable = readLink("/proc/self/exe") else { return "/proc/self/exe: \(errnoText())" }
        guard let text = readTextFile("/proc/self/maps") else { return "/proc/self/maps: \(errnoText())" }
        for mapping in candidates(MemoryMapping.parse(text), swap: machineHasSwap) {
            let result =
                mapping.path == executable
                ? cdrover_page_out_own(mapping.start, mapping.length)
                : cdrover_page_out_range(mapping.start, mapping.length)
            if result < 0 { return "madvise \(mapping.path): \(String(cString: strerror(-result)))" }
        }
        return nil
    }

    /// The mappings of process `pid` worth paging out (a template asks its own kernel for them).
    static func candidates(pid: Int32) -> [MemoryMapping] {
        guard let text = readTextFile("/proc/\(pid)/maps") else { return [] }
        return candidates(MemoryMapping.parse(text), swap: machineHasSwap)
    }

    /// The processes' PSS added up, in bytes (those gone count 0).
    static func proportionalSet(of pids: [Int32]) -> UInt64 {
        pids.compactMap { SmapsRollup.read(pid: $0)?.proportional }.reduce(0, +)
    }

    /// A symbolic link's target (`/proc/self/exe`: this executable), nil when it cannot be read.
    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
