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
        var output = ""
        write(to: &output, separators: (",", ":"), pythonFloats: false)
        return output
    }

    /// `{"a": 1, "b": [true, null]}`, the way Python's `json.dumps` writes by default
    /// (floats always with a fraction: `1.0`, ASCII only).
    public var pythonStyle: String {
        var output = ""
        write(to: &output, separators: (", ", ": "), pythonFloats: true)
        return output
    }

    private func write(to output: inout String, separators: (item: String, key: String), pythonFloats: Bool) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .int(let value): output += String(value)
        case .double(let value): output += Self.format(value, python: pythonFloats)
        case .string(let value): Self.quote(value, into: &output, asciiOnly: pythonFloats)
        case .array(let values):
            output += "["
            for (index, value) in values.enumerated() {
                if index > 0 { output += separators.item }
                value.write(to: &output, separators: separators, pythonFloats: pythonFloats)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { output += separators.item }
                Self.quote(key, into: &output, asciiOnly: pythonFloats)
                output += separators.key
                value.write(to: &output, separators: separators, pythonFloats: pythonFloats)
            }
            output += "}"
        }
    }

    private static func format(_ value: Double, python: Bool) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 {
            return python ? String(Int(value)) + ".0" : String(Int(value))
        }
        return String(value)
    }

    private static func quote(_ text: String, into output: inout String, asciiOnly: Bool) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            default:
                if scalar.value < 0x20 || (asciiOnly && scalar.value > 0x7e) {
                    for unit in String(scalar).utf16 { output += "\\u" + hex4(unit) }
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }

    private static func hex4(_ unit: UInt16) -> String {
        let digits = String(unit, radix: 16)
        return String(repeating: "0", count: 4 - digits.count) + digits
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
