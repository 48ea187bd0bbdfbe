//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The file format of `prometheus_client`'s multiprocess mode (its `mmap_dict.py`), read and
/// written by hand: no Swift library reads it. Pure: bytes in, entries out, and back.
///
/// A file starts with a 4-byte native int, the bytes in use (`used`), and 4 bytes of padding. Then
/// entries, each a 4-byte length, that many bytes of UTF-8 key (a JSON list: metric name, sample
/// name, labels, help), spaces up to an 8-byte boundary (always at least one), and two native
/// doubles: the value and a timestamp (`mostrecent` gauges). The writer appends an entry and only
/// then moves `used`, so `used` bounds what is valid even in a file whose writer was killed.
enum MultiprocessFile {
    /// One sample as a file holds it.
    struct Entry: Equatable, Sendable {
        /// The JSON key, as the library wrote it (`["name", "name_total", {"label": "x"}, "help"]`).
        var key: String
        var value: Double
        var timestamp: Double
    }

    /// A file that cannot be what the library wrote (a torn length, a key that is not UTF-8).
    struct Corrupt: Error, Equatable, CustomStringConvertible {
        let description: String
    }

    /// The header's size: `used`, then padding.
    static let headerSize = 8

    /// `used` from a file's first bytes: 0 for a file too short to have one (created, not yet sized).
    static func used(header: some Collection<UInt8>) -> Int {
        guard header.count >= 4 else { return 0 }
        return Int(Int32(littleEndian: integer(Array(header.prefix(4)), at: 0)))
    }

    /// The entries in `bytes` (a file's first `used` bytes at least). A file with no `used` yet (a
    /// worker killed as it created it) has none.
    static func entries(in bytes: [UInt8]) throws(Corrupt) -> [Entry] {
        let used = used(header: bytes)
        guard used != 0 else { return [] }
        guard used >= headerSize, used <= bytes.count else {
            throw Corrupt(description: "used \(used) outside 8...\(bytes.count)")
        }
        var entries: [Entry] = []
        var position = headerSize
        while position < used {
            guard position + 4 <= used else { throw Corrupt(description: "a length past used at \(position)") }
            let length = Int(Int32(littleEndian: integer(bytes, at: position)))
            let valueAt = position + 4 + padded(length)
            guard length >= 0, valueAt + 16 <= used else {
                throw Corrupt(description: "an entry of \(length) bytes at \(position) runs past used \(used)")
            }
            guard let key = String(validating: bytes[(position + 4)..<(position + 4 + length)], as: UTF8.self) else {
                throw Corrupt(description: "a key at \(position) is not UTF-8")
            }
            entries.append(
                Entry(key: key, value: double(bytes, at: valueAt), timestamp: double(bytes, at: valueAt + 8))
            )
            position = valueAt + 16
        }
        return entries
    }

    /// A file holding `entries`, in the library's layout, exactly `used` bytes long.
    static func encode(_ entries: [Entry]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: headerSize)
        for entry in entries {
            let key = Array(entry.key.utf8)
            append(Int32(key.count), to: &bytes)
            bytes += key
            bytes += [UInt8](repeating: UInt8(ascii: " "), count: padded(key.count) - key.count)
            append(entry.value.bitPattern, to: &bytes)
            append(entry.timestamp.bitPattern, to: &bytes)
        }
        withUnsafeBytes(of: Int32(bytes.count).littleEndian) { bytes.replaceSubrange(0..<4, with: $0) }
        return bytes
    }

    /// A key's length with its padding: the library pads `length + 4` up to a multiple of 8, and by
    /// 8 when it already is one.
    static func padded(_ length: Int) -> Int {
        length + (8 - (length + 4) % 8)
    }

    private static func integer(_ bytes: [UInt8], at offset: Int) -> Int32 {
        bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Int32.self) }
    }

    private static func double(_ bytes: [UInt8], at offset: Int) -> Double {
        Double(
            bitPattern: UInt64(
                littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self) }
            )
        )
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }
}
