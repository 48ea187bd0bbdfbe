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
        // Only an integer beyond Int's range fails to encode; no protocol type holds one.
        (try? encode(value))?.compact ?? "null"
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
        if case .object(let existing) = content { members = existing.filter { $0.key != key } }
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
        var elements: [EncodingNode] = []
        if case .array(let existing) = content { elements = existing }
        let child = EncodingNode()
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
