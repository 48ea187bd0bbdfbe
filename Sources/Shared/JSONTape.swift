//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// One JSON text, checked and scanned once into a flat list of tokens over its UTF-8 bytes: the
/// parser behind ``JSONValue/init(parsing:)`` and ``JSONValueDecoder``. A decoder reads what it
/// asks for straight from the bytes (a key is compared, not copied), so a line of a thousand
/// workers becomes no tree of a thousand objects first.
final class JSONTape {
    /// One value. Its members (key, value, key, value, …) or elements follow it in ``tokens``.
    struct Token {
        enum Kind: UInt8 { case null, `true`, `false`, number, string, array, object }
        let kind: Kind
        /// A string with escapes; a number with a fraction or an exponent.
        let flag: Bool
        /// A scalar's first byte (a string's after its quote), a container's opening bracket.
        let start: UInt32
        /// A scalar's end (a string's closing quote); a container's number of members or elements.
        var end: UInt32
        /// The index of the token after this value and everything in it.
        var next: UInt32
        /// A key's ``JSONTape/hash(_:)`` (compared first when a decoder looks a key up).
        var hash: UInt32 = 0
    }

    let bytes: [UInt8]
    private(set) var tokens: [Token] = []
    private var index = 0

    /// Scans `bytes` as one JSON value with nothing after it but whitespace.
    init(_ bytes: [UInt8]) throws(JSONValue.ParseError) {
        self.bytes = bytes
        tokens.reserveCapacity(bytes.count / 8)
        try value(depth: 0)
        skipSpace()
        guard index == bytes.count else { throw error("trailing characters") }
    }

    private func error(_ message: String) -> JSONValue.ParseError {
        JSONValue.ParseError(description: "\(message) at byte \(index)")
    }

    private func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0a, 0x0d: index += 1
            default: return
            }
        }
    }

    private func append(_ kind: Token.Kind, flag: Bool = false, start: Int, end: Int, hash: UInt32 = 0) {
        tokens.append(Token(kind: kind, flag: flag, start: UInt32(start), end: UInt32(end), next: 0, hash: hash))
        tokens[tokens.count - 1].next = UInt32(tokens.count)
    }

    /// FNV-1a of a key's bytes as written (so an escaped key's hash is not its text's).
    static func hash(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var hash: UInt32 = 2_166_136_261
        for byte in bytes { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return hash
    }

    private func value(depth: Int) throws(JSONValue.ParseError) {
        guard depth < 64 else { throw error("nested too deeply") }
        skipSpace()
        guard index < bytes.count else { throw error("unexpected end") }
        switch bytes[index] {
        case UInt8(ascii: "{"): try container(.object, depth: depth)
        case UInt8(ascii: "["): try container(.array, depth: depth)
        case UInt8(ascii: "\""): try string(isKey: false)
        case UInt8(ascii: "t"): try literal("true", .true)
        case UInt8(ascii: "f"): try literal("false", .false)
        case UInt8(ascii: "n"): try literal("null", .null)
        default: try number()
        }
    }

    private func literal(_ word: StaticString, _ kind: Token.Kind) throws(JSONValue.ParseError) {
        let count = word.utf8CodeUnitCount
        let matches = word.withUTF8Buffer { word in
            bytes.count - index >= count && bytes[index..<index + count].elementsEqual(word)
        }
        guard matches else { throw error("unexpected character") }
        append(kind, start: index, end: index + count)
        index += count
    }

    private func number() throws(JSONValue.ParseError) {
        let start = index
        var isInteger = true
        scan: while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"): index += 1
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"):
                isInteger = false
                index += 1
            default: break scan
            }
        }
        guard Self.number(bytes[start..<index], isInteger: isInteger) != nil else {
            index = start
            throw error("unexpected character")
        }
        append(.number, flag: !isInteger, start: start, end: index)
    }

    private func string(isKey: Bool) throws(JSONValue.ParseError) {
        index += 1
        let start = index
        var escaped = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                if escaped {
                    do {
                        _ = try Self.unescape(bytes[start..<index])
                    } catch {
                        throw JSONValue.ParseError(description: "\(error.description) at byte \(start + error.offset)")
                    }
                }
                let hash = isKey && !escaped ? Self.hash(bytes[start..<index]) : 0
                append(.string, flag: escaped, start: start, end: index, hash: hash)
                index += 1
                return
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
                index += 2  // the escaped byte, checked by unescape
            } else if byte < 0x20 {
                throw error("control character in a string")
            } else {
                index += 1
            }
        }
        index = bytes.count
        throw error(escaped ? "unterminated escape or string" : "unterminated string")
    }

    private func container(_ kind: Token.Kind, depth: Int) throws(JSONValue.ParseError) {
        let token = tokens.count
        append(kind, start: index, end: 0)
        index += 1
        let close = kind == .object ? UInt8(ascii: "}") : UInt8(ascii: "]")
        var count: UInt32 = 0
        skipSpace()
        if index < bytes.count, bytes[index] == close {
            index += 1
            return
        }
        while true {
            if kind == .object {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a key") }
                try string(isKey: true)
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
                index += 1
            }
            try value(depth: depth + 1)
            count += 1
            skipSpace()
            guard index < bytes.count else {
                throw error(kind == .object ? "unterminated object" : "unterminated array")
            }
            let byte = bytes[index]
            index += 1
            if byte == close {
                tokens[token].end = count
                tokens[token].next = UInt32(tokens.count)
                return
            }
            guard byte == UInt8(ascii: ",") else {
                throw error(kind == .object ? "expected ',' or '}'" : "expected ',' or ']'")
            }
        }
    }
}
