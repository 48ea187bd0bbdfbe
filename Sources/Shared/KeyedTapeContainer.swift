//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// An object of a ``JSONTape``: each key is looked up among its members' keys as bytes, the first
/// match winning; scalars are read without a decoder of their own.
struct KeyedTapeContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let tape: JSONTape
    let object: Int
    let codingPath: [any CodingKey]

    var allKeys: [Key] {
        stride(from: 0, to: memberKeys.count, by: 1).compactMap { tape.string(memberKeys[$0]).flatMap(Key.init) }
    }

    /// The token of each member's key.
    private var memberKeys: [Int] {
        var keys: [Int] = []
        var key = object + 1
        for _ in 0..<tape[object].end {
            keys.append(key)
            key = Int(tape[key + 1].next)
        }
        return keys
    }

    /// The token of the value of `key`, nil if the object has no such member.
    private func find(_ key: Key) -> Int? { find(key.stringValue) }

    private func find(_ name: String) -> Int? {
        var name = name
        return name.withUTF8 { name in
            let hash = JSONTape.hash(name)
            var member = object + 1
            for _ in 0..<tape[object].end {
                let key = tape[member]
                if key.flag
                    ? tape.string(member) == String(decoding: name, as: UTF8.self)
                    : key.hash == hash && tape.keyEquals(member, name)
                {
                    return member + 1
                }
                member = Int(tape[member + 1].next)
            }
            return nil
        }
    }

    private func child(_ key: Key) throws -> TapeDecoder {
        guard let token = find(key) else {
            throw DecodingError.keyNotFound(
                key,
                .init(codingPath: codingPath, debugDescription: "no \"\(key.stringValue)\"")
            )
        }
        return TapeDecoder(tape: tape, token: token, parentPath: codingPath, key: key)
    }

    /// The member `key` when present and not null.
    private func present(_ key: Key) -> TapeDecoder? {
        guard let token = find(key), tape[token].kind != .null else { return nil }
        return TapeDecoder(tape: tape, token: token, parentPath: codingPath, key: key)
    }

    func contains(_ key: Key) -> Bool { find(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool { try child(key).decodeNil() }

    func decode(_ type: String.Type, forKey key: Key) throws -> String { try child(key).decode(type) }

    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try child(key).decode(type) }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try child(key).decode(type) }

    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try child(key).decode(type) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try child(key).decode(type) }

    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try present(key)?.decode(type) }

    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try present(key)?.decode(type) }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try present(key)?.decode(type) }

    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try present(key)?.decode(type) }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try present(key)?.decode(type)
    }

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
        guard let token = find("super") else { return NodeDecoder(value: .null, codingPath: codingPath) }
        return TapeDecoder(tape: tape, token: token, parentPath: codingPath)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder { try child(key) }
}
