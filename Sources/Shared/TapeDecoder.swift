//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The `Decoder` that ``JSONValueDecoder`` hands to `init(from:)` for a line of text: reads the
/// value at one token of a ``JSONTape``.
struct TapeDecoder: Decoder, SingleValueDecodingContainer {
    let tape: JSONTape
    let token: Int
    /// The path to the container this value is in, and its key there (kept apart: most values
    /// never need their path, and joining them would allocate for each).
    let parentPath: [any CodingKey]
    var key: (any CodingKey)? = nil
    var codingPath: [any CodingKey] { key.map { parentPath + [$0] } ?? parentPath }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard tape[token].kind == .object else { throw mismatch("an object") }
        return KeyedDecodingContainer(KeyedTapeContainer(tape: tape, object: token, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard tape[token].kind == .array else { throw mismatch("an array") }
        return UnkeyedTapeContainer(tape: tape, array: token, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { tape[token].kind == .null }

    func decode(_ type: String.Type) throws -> String {
        guard let string = tape.string(token) else { throw mismatch("a string") }
        return string
    }

    func decode(_ type: Bool.Type) throws -> Bool {
        switch tape[token].kind {
        case .true: return true
        case .false: return false
        default: throw mismatch("a boolean")
        }
    }

    func decode(_ type: Double.Type) throws -> Double {
        guard let double = tape.number(token)?.doubleValue else { throw mismatch("a number") }
        return double
    }

    func decode(_ type: Int.Type) throws -> Int { try integer(type) }

    /// Scalars by type identity (this runs for every value of a line), anything else through `init(from:)`.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        switch ObjectIdentifier(type) {
        case ObjectIdentifier(String.self): return unsafeBitCast(try decode(String.self), to: T.self)
        case ObjectIdentifier(Int.self): return unsafeBitCast(try integer(Int.self), to: T.self)
        case ObjectIdentifier(Bool.self): return unsafeBitCast(try decode(Bool.self), to: T.self)
        case ObjectIdentifier(Double.self): return unsafeBitCast(try decode(Double.self), to: T.self)
        case ObjectIdentifier(Int32.self): return unsafeBitCast(try integer(Int32.self), to: T.self)
        case ObjectIdentifier(UInt64.self): return unsafeBitCast(try integer(UInt64.self), to: T.self)
        case ObjectIdentifier(JSONValue.self): return unsafeBitCast(tape.value(token), to: T.self)
        case ObjectIdentifier([String].self): return unsafeBitCast(try strings(), to: T.self)
        case ObjectIdentifier(Float.self): return unsafeBitCast(Float(try decode(Double.self)), to: T.self)
        case ObjectIdentifier(Int64.self): return unsafeBitCast(try integer(Int64.self), to: T.self)
        case ObjectIdentifier(Int16.self): return unsafeBitCast(try integer(Int16.self), to: T.self)
        case ObjectIdentifier(Int8.self): return unsafeBitCast(try integer(Int8.self), to: T.self)
        case ObjectIdentifier(UInt.self): return unsafeBitCast(try integer(UInt.self), to: T.self)
        case ObjectIdentifier(UInt32.self): return unsafeBitCast(try integer(UInt32.self), to: T.self)
        case ObjectIdentifier(UInt16.self): return unsafeBitCast(try integer(UInt16.self), to: T.self)
        case ObjectIdentifier(UInt8.self): return unsafeBitCast(try integer(UInt8.self), to: T.self)
        default: return try T(from: self)
        }
    }

    /// A list of strings (a worker's stderr tail, an event's files), without a container.
    private func strings() throws -> [String] {
        guard tape[token].kind == .array else { throw mismatch("an array") }
        var strings: [String] = []
        strings.reserveCapacity(Int(tape[token].end))
        var element = token + 1
        while element < tape[token].next {
            guard let string = tape.string(element) else {
                throw TapeDecoder(tape: tape, token: element, parentPath: codingPath).mismatch("a string")
            }
            strings.append(string)
            element = Int(tape[element].next)
        }
        return strings
    }

    /// An integer in `type`'s range (a number written with a fraction counts if it is whole).
    private func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        guard let value = tape.number(token)?.intValue.flatMap({ I(exactly: $0) }) else {
            throw mismatch("an integer in range")
        }
        return value
    }

    func mismatch(_ expected: String) -> DecodingError {
        .typeMismatch(
            Any.self,
            .init(
                codingPath: codingPath,
                debugDescription: "expected \(expected), found \(tape.value(token).compact.prefix(40))"
            )
        )
    }
}
