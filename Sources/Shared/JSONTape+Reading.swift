//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension JSONTape {
    /// A bad escape in a string, `offset` bytes after its opening quote.
    struct EscapeError: Error {
        let description: String
        let offset: Int
    }

    subscript(_ token: Int) -> Token { tokens[token] }

    /// The string at `token`, or nil for another kind.
    func string(_ token: Int) -> String? {
        let token = tokens[token]
        guard token.kind == .string else { return nil }
        let text = bytes[Int(token.start)..<Int(token.end)]
        return token.flag ? (try? Self.unescape(text)) : String(decoding: text, as: UTF8.self)
    }

    /// Whether the unescaped key at `index` is spelled `key`.
    func keyEquals(_ index: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let token = tokens[index]
        return key.count == Int(token.end - token.start)
            && bytes.withUnsafeBufferPointer { bytes in
                UnsafeBufferPointer(rebasing: bytes[Int(token.start)..<Int(token.end)]).elementsEqual(key)
            }
    }

    /// The number at `token` as ``JSONValue/int(_:)`` or ``JSONValue/double(_:)``, or nil for another kind.
    func number(_ token: Int) -> JSONValue? {
        let token = tokens[token]
        guard token.kind == .number else { return nil }
        return Self.number(bytes[Int(token.start)..<Int(token.end)], isInteger: !token.flag)
    }

    /// The value at `token`, with everything in it.
    func value(_ token: Int) -> JSONValue {
        let current = tokens[token]
        switch current.kind {
        case .null: return .null
        case .true: return .bool(true)
        case .false: return .bool(false)
        case .number: return number(token) ?? .null
        case .string: return .string(string(token) ?? "")
        case .array: return .array(children(token).map(value))
        case .object:
            var members: [(String, JSONValue)] = []
            members.reserveCapacity(Int(current.end))
            var key = token + 1
            for _ in 0..<current.end {
                members.append((string(key) ?? "", value(key + 1)))
                key = Int(tokens[key + 1].next)
            }
            return .object(members)
        }
    }

    /// The elements of the array at `token` (or the keys and values of an object, in turn).
    func children(_ token: Int) -> [Int] {
        var result: [Int] = []
        var child = token + 1
        while child < tokens[token].next {
            result.append(child)
            child = Int(tokens[child].next)
        }
        return result
    }

    /// An integer as `Int(text)` reads it (else a double, as `Double(text)` does); nil if neither.
    static func number(_ text: ArraySlice<UInt8>, isInteger: Bool) -> JSONValue? {
        if isInteger, let int = smallInteger(text) { return .int(int) }
        let string = String(decoding: text, as: UTF8.self)
        if isInteger, let int = Int(string) { return .int(int) }
        guard !string.isEmpty, let double = Double(string) else { return nil }
        return .double(double)
    }

    /// Up to 18 digits with an optional sign: certainly an `Int`, read without making a string.
    private static func smallInteger(_ text: ArraySlice<UInt8>) -> Int? {
        var digits = text[...]
        let negative = digits.first == UInt8(ascii: "-")
        if negative || digits.first == UInt8(ascii: "+") { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return negative ? -value : value
    }
}
