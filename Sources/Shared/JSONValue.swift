//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A JSON value with ordered object keys, written without Foundation.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    /// Keys in the order they are written.
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        lhs.compact == rhs.compact
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(compact)
    }

    /// `{"a":1,"b":[true,null]}`: no spaces, for protocols.
    public var compact: String {
        var writer = JSONWriter()
        writer.value(self)
        return writer.text
    }

    /// `{"a": 1, "b": [true, null]}`, the way Python's `json.dumps` writes by default
    /// (floats always with a fraction: `1.0`, ASCII only).
    public var pythonStyle: String {
        var writer = JSONWriter(python: true)
        writer.value(self)
        return writer.text
    }
}

extension JSONValue {
    /// Indented, for people.
    public var pretty: String {
        var output = ""
        writePretty(to: &output, indent: 0)
        return output
    }

    private func writePretty(to output: inout String, indent: Int) {
        let padding = String(repeating: "  ", count: indent + 1)
        switch self {
        case .array(let values) where !values.isEmpty:
            output += "[\n"
            for (index, value) in values.enumerated() {
                output += padding
                value.writePretty(to: &output, indent: indent + 1)
                output += index < values.count - 1 ? ",\n" : "\n"
            }
            output += String(repeating: "  ", count: indent) + "]"
        case .object(let members) where !members.isEmpty:
            output += "{\n"
            for (index, (key, value)) in members.enumerated() {
                output += padding + JSONValue.string(key).compact + ": "
                value.writePretty(to: &output, indent: indent + 1)
                output += index < members.count - 1 ? ",\n" : "\n"
            }
            output += String(repeating: "  ", count: indent) + "}"
        default:
            output += compact
        }
    }
}
