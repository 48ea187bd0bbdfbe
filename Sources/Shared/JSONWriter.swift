//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// JSON text as UTF-8 bytes: how every string and number is spelled, for ``JSONValue``'s printers
/// and for the protocol lines ``JSONValueEncoder`` writes straight from a type.
struct JSONWriter {
    var bytes: [UInt8] = []
    /// Python's `json.dumps` style: `, ` and `: `, floats always with a fraction, ASCII only.
    let python: Bool

    init(python: Bool = false, capacity: Int = 0) {
        self.python = python
        bytes.reserveCapacity(capacity)
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    mutating func byte(_ byte: UInt8) {
        bytes.append(byte)
    }

    /// Between two members or elements.
    mutating func comma() {
        bytes.append(UInt8(ascii: ","))
        if python { bytes.append(UInt8(ascii: " ")) }
    }

    /// Between a key and its value.
    mutating func colon() {
        bytes.append(UInt8(ascii: ":"))
        if python { bytes.append(UInt8(ascii: " ")) }
    }

    mutating func null() {
        ascii("null")
    }

    mutating func bool(_ value: Bool) {
        ascii(value ? "true" : "false")
    }

    /// Literal text known to need no quoting.
    mutating func ascii(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func int(_ value: Int) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            unsigned(value.magnitude)
        } else {
            unsigned(UInt(value))
        }
    }

    private mutating func unsigned(_ value: UInt) {
        guard value >= 10 else {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            while rest > 0 {
                count += 1
                buffer[24 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            bytes.append(contentsOf: buffer[(24 - count)...])
        }
    }

    /// A whole number as an integer (`2`, not `2.0`, unless Python's style), `null` when not finite.
    mutating func double(_ value: Double) {
        guard value.isFinite else { return null() }
        if value == value.rounded(), abs(value) < 1e15 {
            int(Int(value))
            if python { ascii(".0") }
        } else {
            bytes.append(contentsOf: String(value).utf8)
        }
    }

    /// A quoted string: `"`, `\`, control characters escaped (and, Python's style, all but ASCII).
    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        if python {
            for scalar in text.unicodeScalars { escaping(scalar) }
        } else {
            var text = text
            text.withUTF8 { utf8 in
                var start = 0
                for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5c {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                    escaping(Unicode.Scalar(byte))
                    start = index + 1
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escaping(_ scalar: Unicode.Scalar) {
        switch scalar {
        case "\"": ascii("\\\"")
        case "\\": ascii("\\\\")
        case "\n": ascii("\\n")
        case "\r": ascii("\\r")
        case "\t": ascii("\\t")
        default:
            if scalar.value < 0x20 || (python && scalar.value > 0x7e) {
                for unit in String(scalar).utf16 { hex4(unit) }
            } else {
                bytes.append(contentsOf: String(scalar).utf8)
            }
        }
    }

    private mutating func hex4(_ unit: UInt16) {
        ascii("\\u")
        for shift in stride(from: 12, through: 0, by: -4) {
            let digit = UInt8((unit >> UInt16(shift)) & 0xf)
            bytes.append(digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10)
        }
    }

    /// Any value, members in their order.
    mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let value): bool(value)
        case .int(let value): int(value)
        case .double(let value): double(value)
        case .string(let value): string(value)
        case .array(let values):
            byte(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { comma() }
                self.value(element)
            }
            byte(UInt8(ascii: "]"))
        case .object(let members):
            byte(UInt8(ascii: "{"))
            for (index, (key, element)) in members.enumerated() {
                if index > 0 { comma() }
                string(key)
                colon()
                self.value(element)
            }
            byte(UInt8(ascii: "}"))
        }
    }
}
