//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Encodes `Encodable` values as ``JSONValue``, object keys in the order they are encoded, so a
/// protocol type's `encode(to:)` fixes the order of its line. Without Foundation.
public struct JSONValueEncoder: Sendable {
    public init() {}

    /// The value as JSON.
    public func encode(_ value: some Encodable) throws -> JSONValue {
        let node = EncodingNode()
        try node.store(value, path: [])
        return node.resolved
    }

    /// One protocol line (without its newline): the value as compact JSON.
    public func line(_ value: some Encodable) -> String {
        String(decoding: lineBytes(value), as: UTF8.self)
    }

    /// ``line(_:)`` as UTF-8, written straight from the type (a type whose containers cannot be
    /// written in one pass goes through ``encode(_:)`` instead: the same text).
    public func lineBytes(_ value: some Encodable) -> [UInt8] {
        let writer = LineWriter(capacity: 256)
        // Only an integer beyond Int's range fails to encode; no protocol type holds one.
        do {
            try writer.value(value, key: nil)
            if !writer.failed { return writer.json.bytes }
            var tree = JSONWriter()
            tree.value(try encode(value))
            return tree.bytes
        } catch {
            return Array("null".utf8)
        }
    }
}

/// One value being encoded: a scalar, or an object or array whose members may still change.
final class EncodingNode {
    enum Content {
        case empty
        case scalar(JSONValue)
        case object([(key: String, node: EncodingNode)])
        case array([EncodingNode])
    }

    var content = Content.empty

    var resolved: JSONValue {
        switch content {
        case .empty: .object([])
        case .scalar(let value): value
        case .object(let members): .object(members.map { ($0.key, $0.node.resolved) })
        case .array(let elements): .array(elements.map(\.resolved))
        }
    }

    /// Stores a scalar directly, anything else through its own `encode(to:)`.
    func store(_ value: some Encodable, path: [any CodingKey]) throws {
        if let scalar = try Self.scalar(value, path: path) {
            content = .scalar(scalar)
        } else {
            try value.encode(to: NodeEncoder(node: self, codingPath: path))
        }
    }

    /// The member `key`, created (or replaced) at the end of an object.
    func member(_ key: String) -> EncodingNode {
        var members: [(key: String, node: EncodingNode)] = []
        if case .object(var existing) = content {
            content = .empty  // so appending does not copy the array
            existing.removeAll { $0.key == key }
            members = existing
        }
        let child = EncodingNode()
        members.append((key, child))
        content = .object(members)
        return child
    }

    func makeObject() {
        if case .object = content { return }
        content = .object([])
    }

    /// A new last element.
    func element() -> EncodingNode {
        let child = EncodingNode()
        guard case .array(var elements) = content else {
            content = .array([child])
            return child
        }
        content = .empty  // so appending does not copy the array
        elements.append(child)
        content = .array(elements)
        return child
    }

    func makeArray() {
        if case .array = content { return }
        content = .array([])
    }

    var count: Int {
        if case .array(let elements) = content { return elements.count }
        return 0
    }

    private static func scalar(_ value: some Encodable, path: [any CodingKey]) throws -> JSONValue? {
        switch value {
        case let value as JSONValue: return value
        case let value as Bool: return .bool(value)
        case let value as String: return .string(value)
        case let value as Double: return .double(value)
        case let value as Float: return .double(Double(value))
        case let value as any BinaryInteger:
            guard let int = Int(exactly: value) else {
                throw EncodingError.invalidValue(
                    value,
                    .init(codingPath: path, debugDescription: "\(value) does not fit a JSON integer")
                )
            }
            return .int(int)
        default: return nil
        }
    }
}
