//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The `Encoder` that ``JSONValueEncoder`` hands to `encode(to:)` when it writes a line straight
/// to text: each container writes into its frame of the ``LineWriter``.
struct LineEncoder: Encoder {
    let writer: LineWriter
    let frame: Int
    let id: Int
    var codingPath: [any CodingKey] { writer.codingPath(frame) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        _ = writer.open(.object, slot: frame, id: id)
        return KeyedEncodingContainer(KeyedLineContainer(writer: writer, frame: frame, id: id))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        _ = writer.open(.array, slot: frame, id: id)
        return UnkeyedLineContainer(writer: writer, frame: frame, id: id)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleLineContainer(writer: writer, frame: frame, id: id)
    }
}

struct KeyedLineContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let writer: LineWriter
    let frame: Int
    let id: Int
    var codingPath: [any CodingKey] { writer.codingPath(frame) }

    mutating func encodeNil(forKey key: Key) throws {
        if writer.member(key.stringValue, frame: frame, id: id) { writer.json.null() }
    }

    mutating func encode(_ value: String, forKey key: Key) throws {
        if writer.member(key.stringValue, frame: frame, id: id) { writer.json.string(value) }
    }

    mutating func encode(_ value: Int, forKey key: Key) throws {
        if writer.member(key.stringValue, frame: frame, id: id) { writer.json.int(value) }
    }

    mutating func encode(_ value: Bool, forKey key: Key) throws {
        if writer.member(key.stringValue, frame: frame, id: id) { writer.json.bool(value) }
    }

    mutating func encode(_ value: Double, forKey key: Key) throws {
        if writer.member(key.stringValue, frame: frame, id: id) { writer.json.double(value) }
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        if writer.member(key.stringValue, frame: frame, id: id) { try writer.value(value, key: key) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type,
        forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        _ = writer.member(key.stringValue, frame: frame, id: id)
        let (nested, nestedID) = writer.nested(.object, key: key)
        return KeyedEncodingContainer(KeyedLineContainer<NestedKey>(writer: writer, frame: nested, id: nestedID))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        _ = writer.member(key.stringValue, frame: frame, id: id)
        let (nested, nestedID) = writer.nested(.array, key: key)
        return UnkeyedLineContainer(writer: writer, frame: nested, id: nestedID)
    }

    mutating func superEncoder() -> any Encoder {
        writer.fail()
        return LineEncoder(writer: writer, frame: -1, id: -1)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        superEncoder()
    }
}

struct UnkeyedLineContainer: UnkeyedEncodingContainer {
    let writer: LineWriter
    let frame: Int
    let id: Int
    var codingPath: [any CodingKey] { writer.codingPath(frame) }
    var count: Int { frame < writer.frames.count ? writer.frames[frame].count : 0 }

    mutating func encodeNil() throws {
        if writer.element(frame: frame, id: id) { writer.json.null() }
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        if writer.element(frame: frame, id: id) { try writer.value(value, key: nil) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    ) -> KeyedEncodingContainer<NestedKey> {
        _ = writer.element(frame: frame, id: id)
        let (nested, nestedID) = writer.nested(.object, key: nil)
        return KeyedEncodingContainer(KeyedLineContainer<NestedKey>(writer: writer, frame: nested, id: nestedID))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        _ = writer.element(frame: frame, id: id)
        let (nested, nestedID) = writer.nested(.array, key: nil)
        return UnkeyedLineContainer(writer: writer, frame: nested, id: nestedID)
    }

    mutating func superEncoder() -> any Encoder {
        writer.fail()
        return LineEncoder(writer: writer, frame: -1, id: -1)
    }
}

struct SingleLineContainer: SingleValueEncodingContainer {
    let writer: LineWriter
    let frame: Int
    let id: Int
    var codingPath: [any CodingKey] { writer.codingPath(frame) }

    mutating func encodeNil() throws {
        writer.fillNil(slot: frame, id: id)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try writer.fill(value, slot: frame, id: id)
    }
}
