//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Foundation
import Testing

@testable import DroverDaemon

/// The hand-written reader and writer of `prometheus_client`'s multiprocess files, against files
/// the real library wrote and read.
@Suite("Multiprocess files: prometheus_client's mmap_dict format")
struct MultiprocessFileTests {
    private func bytes(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test("every file the library writes reads as the library reads it, and writes back byte for byte")
    func readsAndWrites() throws {
        let directory = try PrometheusClient.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let expected = try PrometheusClient.run(
            """
            import json
            from prometheus_client.mmap_dict import MmapedDict
            write(4242, 3)
            files = sorted(glob.glob(os.path.join(directory, "*.db")))
            print(json.dumps({os.path.basename(f): [[k, v, t] for k, v, t, _ in MmapedDict.read_all_values_from_file(f)] for f in files}))
            """,
            in: directory
        )
        guard case .object(let files) = try JSONValue(parsing: expected) else {
            Issue.record("not an object: \(expected)")
            return
        }
        #expect(files.count == 13)  // counter, histogram, summary and 10 gauge modes
        for (name, entries) in files {
            let parsed = try #require(MultiprocessFileName(name))
            #expect(parsed.owner == "4242" && parsed.description == name)
            let raw = try bytes(directory + "/" + name)
            #expect(raw.count == 1 << 16, "the library sizes its files at 64 KiB")
            let read = try MultiprocessFile.entries(in: raw)
            let reference = entries.arrayValue ?? []
            #expect(read.count == reference.count, "\(name)")
            for (entry, expected) in zip(read, reference) {
                #expect(entry.key == expected.arrayValue?[0].stringValue)
                #expect(entry.value == expected.arrayValue?[1].doubleValue)
                #expect(entry.timestamp == expected.arrayValue?[2].doubleValue)
            }
            let used = MultiprocessFile.used(header: raw)
            #expect(MultiprocessFile.encode(read) == Array(raw.prefix(used)), "\(name) written back")
        }
    }

    @Test("a worker killed mid-write: past `used` nothing counts; a torn header or length is corrupt, not a crash")
    func tornFiles() throws {
        let entry = MultiprocessFile.Entry(key: #"["c","c_total",{},"h"]"#, value: 7, timestamp: 0)
        var file = MultiprocessFile.encode([entry, entry])
        #expect(try MultiprocessFile.entries(in: []) == [])  // created, never sized
        #expect(try MultiprocessFile.entries(in: [UInt8](repeating: 0, count: 1 << 16)) == [])  // sized, no used yet
        // An entry written after `used` (the writer died before moving it) is not there.
        let one = MultiprocessFile.encode([entry])
        var unfinished = file
        unfinished.replaceSubrange(0..<4, with: one[0..<4])
        #expect(try MultiprocessFile.entries(in: unfinished) == [entry])
        #expect(throws: MultiprocessFile.Corrupt.self) { try MultiprocessFile.entries(in: Array(file.prefix(20))) }
        file[8] = 0xFF  // a negative length
        #expect(throws: MultiprocessFile.Corrupt.self) { try MultiprocessFile.entries(in: file) }
        file[8] = 200  // a length past `used`
        file[11] = 0
        #expect(throws: MultiprocessFile.Corrupt.self) { try MultiprocessFile.entries(in: file) }
        var badUsed = one
        badUsed[0] = 4  // `used` inside the header
        #expect(throws: MultiprocessFile.Corrupt.self) { try MultiprocessFile.entries(in: badUsed) }
    }

    @Test("names: the library's types and gauge modes, droverd's archives; nothing else")
    func names() {
        #expect(MultiprocessFileName("counter_12.db") == MultiprocessFileName(type: "counter", owner: "12"))
        #expect(MultiprocessFileName("gauge_livesum_12.db")?.isLive == true)
        #expect(MultiprocessFileName("gauge_max_archive.db")?.isArchive == true)
        #expect(MultiprocessFileName("gauge_max_archive.db")?.isFolded == true)
        #expect(MultiprocessFileName("gauge_all_12.db")?.isFolded == false)
        #expect(MultiprocessFileName("gauge_12.db") == nil)
        #expect(MultiprocessFileName("gauge_weird_12.db") == nil)
        #expect(MultiprocessFileName("counter_archive.db.folding") == nil)
        #expect(MultiprocessFileName("info_12.db") == nil)
        #expect(MultiprocessFileName.all(pid: "9").count == 13)
    }

    @Test("numbers as the library writes them: Python's repr, Go's exponent over 6 integer digits, +Inf and NaN")
    func numbers() throws {
        let values = [
            0.0, -0.0, 1, 0.1, 2.5, 100, 1_234_567, 1e6, 1e15, 9.7e15, 1e16, 1e22, 0.0001, 0.00001, 5e-324,
            -1_234_567.5, 1.7976931348623157e308, .infinity, -.infinity, .nan, 123_456_789.125,
        ]
        let directory = try PrometheusClient.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let literals = values.map { "float('\($0)')" }  // Swift's description reads back exactly
        let expected = try PrometheusClient.run(
            """
            from prometheus_client.utils import floatToGoString
            for value in [\(literals.joined(separator: ", "))]:
                print(floatToGoString(value))
            """,
            in: directory
        )
        #expect(values.map(PrometheusText.goString) == expected.split(separator: "\n").map(String.init))
        #expect(PrometheusText.parseFloat("+Inf") == .infinity && PrometheusText.parseFloat("1e+06") == 1e6)
        #expect(PrometheusText.parseFloat("NaN")?.isNaN == true && PrometheusText.parseFloat("x") == nil)
        #expect(PrometheusText.metricName("app.requests-2") == "app_requests_2")
        #expect(PrometheusText.labelName("2xx") == "_xx")
    }
}
