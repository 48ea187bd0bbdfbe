//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Decodes `Decodable` values from ``JSONValue`` (droverctl reads droverd's lines with it).
/// Without Foundation; a value of the wrong shape throws `DecodingError`, never traps.
public struct JSONValueDecoder: Sendable {
    public init() {}

    /// Decodes `type` from a parsed value.
    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try NodeDecoder(value: value, codingPath: []).decode(type)
    }

    /// Decodes `type` from one line of JSON text (read straight from the text, with no
    /// ``JSONValue`` tree in between).
    public func decode<T: Decodable>(_ type: T.Type, line: String) throws -> T {
        try decode(type, utf8: Array(line.utf8))
    }

    /// Decodes `type` from one line of JSON as UTF-8 bytes.
    public func decode<T: Decodable>(_ type: T.Type, utf8 bytes: [UInt8]) throws -> T {
        try TapeDecoder(tape: try JSONTape(bytes), token: 0, parentPath: []).decode(type)
    }
}

/// The `Decoder` that ``JSONValueDecoder`` hands to `init(from:)`.
struct NodeDecoder: Decoder, SingleValueDecodingContainer {
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard let members = value.objectValue else { throw mismatch("an object") }
        return KeyedDecodingContainer(KeyedNodeDecoder(members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard let elements = value.arrayValue else { throw mismatch("an array") }
        return UnkeyedNodeDecoder(elements: elements, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool {
        if case .null = value { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        switch type {
        case is JSONValue.Type: return try cast(value)
        case is Bool.Type: return try cast(value.boolValue, "a boolean")
        case is String.Type: return try cast(value.stringValue, "a string")
        case is Double.Type: return try cast(value.doubleValue, "a number")
        case is Float.Type: return try cast(value.doubleValue.map { Float($0) }, "a number")
        case let integer as any FixedWidthInteger.Type:
            return try cast(value.intValue.flatMap { Self.exactly(integer, $0) }, "an integer in range")
        default: return try T(from: self)
        }
    }

    private static func exactly<I: FixedWidthInteger>(_ type: I.Type, _ value: Int) -> I? {
        I(exactly: value)
    }

    private func cast<T>(_ decoded: Any?, _ expected: String = "") throws -> T {
        guard let decoded = decoded as? T else { throw mismatch(expected) }
        return decoded
    }

    func mismatch(_ expected: String) -> DecodingError {
        .typeMismatch(
            Any.self,
            .init(codingPath: codingPath, debugDescription: "expected \(expected), found \(value.compact.prefix(40))")
        )
    }
}

struct KeyedNodeDecoder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [(String, JSONValue)]
    let codingPath: [any CodingKey]

    var allKeys: [Key] { members.compactMap { Key(stringValue: $0.0) } }

    func contains(_ key: Key) -> Bool { members.contains { $0.0 == key.stringValue } }

    private func child(_ key: Key) throws -> NodeDecoder {
        guard let member = members.first(where: { $0.0 == key.stringValue }) else {
            throw DecodingError.keyNotFound(
                key,
                .init(codingPath: codingPath, debugDescription: "no \"\(key.stringValue)\"")
            )
        }
        return NodeDecoder(value: member.1, codingPath: codingPath + [key])
    }

    func decodeNil(forKey key: Key) throws -> Bool { try child(key).decodeNil() }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try child(key).decode(type) }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type,
        forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try child(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try child(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        NodeDecoder(value: members.first { $0.0 == "super" }?.1 ?? .null, codingPath: codingPath)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder { try child(key) }
}

struct UnkeyedNodeDecoder: UnkeyedDecodingContainer {
    let elements: [JSONValue]
    let codingPath: [any CodingKey]
    var currentIndex = 0
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private mutating func next() throws -> NodeDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                Any.self,
                .init(codingPath: codingPath, debugDescription: "the array has only \(elements.count) elements")
            )
        }
        currentIndex += 1
        return NodeDecoder(value: elements[currentIndex - 1], codingPath: codingPath)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, case .null = elements[currentIndex] else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decode(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next().unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { try next() }
}
