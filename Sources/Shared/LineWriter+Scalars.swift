//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension LineWriter {
    /// Writes `value` if it is a scalar (or an optional one, or a list of strings), compared by
    /// type identity rather than cast, since this runs for every value of a line; false otherwise.
    func scalar<T: Encodable>(_ value: T, path key: (any CodingKey)?) throws -> Bool {
        switch ObjectIdentifier(T.self) {
        case ObjectIdentifier(String.self): json.string(unsafeBitCast(value, to: String.self))
        case ObjectIdentifier(Int.self): json.int(unsafeBitCast(value, to: Int.self))
        case ObjectIdentifier(Bool.self): json.bool(unsafeBitCast(value, to: Bool.self))
        case ObjectIdentifier(Double.self): json.double(unsafeBitCast(value, to: Double.self))
        case ObjectIdentifier(Int32.self): json.int(Int(unsafeBitCast(value, to: Int32.self)))
        case ObjectIdentifier(Int64.self): json.int(Int(unsafeBitCast(value, to: Int64.self)))
        case ObjectIdentifier(UInt64.self): try integer(unsafeBitCast(value, to: UInt64.self), key)
        case ObjectIdentifier(String?.self): optional(unsafeBitCast(value, to: String?.self)) { $0.json.string($1) }
        case ObjectIdentifier(Int?.self): optional(unsafeBitCast(value, to: Int?.self)) { $0.json.int($1) }
        case ObjectIdentifier(Int32?.self): optional(unsafeBitCast(value, to: Int32?.self)) { $0.json.int(Int($1)) }
        case ObjectIdentifier(Double?.self): optional(unsafeBitCast(value, to: Double?.self)) { $0.json.double($1) }
        case ObjectIdentifier(Bool?.self): optional(unsafeBitCast(value, to: Bool?.self)) { $0.json.bool($1) }
        case ObjectIdentifier(UInt64?.self):
            guard let number = unsafeBitCast(value, to: UInt64?.self) else {
                json.null()
                break
            }
            try integer(number, key)
        case ObjectIdentifier([String].self):
            json.byte(UInt8(ascii: "["))
            for (index, string) in unsafeBitCast(value, to: [String].self).enumerated() {
                if index > 0 { json.comma() }
                json.string(string)
            }
            json.byte(UInt8(ascii: "]"))
        case ObjectIdentifier(JSONValue.self): json.value(unsafeBitCast(value, to: JSONValue.self))
        case ObjectIdentifier(Float.self): json.double(Double(unsafeBitCast(value, to: Float.self)))
        case ObjectIdentifier(Int8.self): json.int(Int(unsafeBitCast(value, to: Int8.self)))
        case ObjectIdentifier(Int16.self): json.int(Int(unsafeBitCast(value, to: Int16.self)))
        case ObjectIdentifier(UInt8.self): json.int(Int(unsafeBitCast(value, to: UInt8.self)))
        case ObjectIdentifier(UInt16.self): json.int(Int(unsafeBitCast(value, to: UInt16.self)))
        case ObjectIdentifier(UInt32.self): json.int(Int(unsafeBitCast(value, to: UInt32.self)))
        case ObjectIdentifier(UInt.self): try integer(unsafeBitCast(value, to: UInt.self), key)
        default: return false
        }
        return true
    }

    private func optional<Wrapped>(_ value: Wrapped?, _ write: (LineWriter, Wrapped) -> Void) {
        guard let value else { return json.null() }
        write(self, value)
    }

    private func integer<I: BinaryInteger>(_ value: I, _ key: (any CodingKey)?) throws {
        guard let int = Int(exactly: value) else {
            throw EncodingError.invalidValue(
                value,
                .init(
                    codingPath: codingPath(frames.count - 1) + (key.map { [$0] } ?? []),
                    debugDescription: "\(value) does not fit a JSON integer"
                )
            )
        }
        json.int(int)
    }
}
