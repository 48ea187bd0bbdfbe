//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension JSONTape {
    /// The text of a string with escapes (between its quotes): `\n`, `\t`, `\r`, `\b`, `\f`,
    /// `\uXXXX` (a surrogate pair as one character, a lone surrogate as U+FFFD), and `\` before
    /// any other byte meaning that byte.
    static func unescape(_ text: ArraySlice<UInt8>) throws(EscapeError) -> String {
        var scalars = String.UnicodeScalarView()
        var runStart = text.startIndex
        var index = text.startIndex
        func flush(upTo end: Int) {
            scalars.append(contentsOf: String(decoding: text[runStart..<end], as: UTF8.self).unicodeScalars)
        }
        func hex4() throws(EscapeError) -> UInt32 {
            guard text.endIndex - index >= 4,
                let value = UInt32(String(decoding: text[index..<index + 4], as: UTF8.self), radix: 16)
            else { throw EscapeError(description: "bad \\u escape", offset: index - text.startIndex) }
            index += 4
            return value
        }
        while index < text.endIndex {
            guard text[index] == UInt8(ascii: "\\") else {
                index += 1
                continue
            }
            flush(upTo: index)
            index += 1
            guard index < text.endIndex else {
                throw EscapeError(description: "unterminated escape", offset: index - text.startIndex)
            }
            let escaped = text[index]
            index += 1
            switch escaped {
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "b"): scalars.append("\u{8}")
            case UInt8(ascii: "f"): scalars.append("\u{c}")
            case UInt8(ascii: "u"):
                var code = try hex4()
                if code >= 0xD800, code < 0xDC00, text.endIndex - index >= 2, text[index] == UInt8(ascii: "\\"),
                    text[index + 1] == UInt8(ascii: "u")
                {
                    index += 2
                    let low = try hex4()
                    if low >= 0xDC00, low < 0xE000 {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        scalars.append("\u{FFFD}")
                        code = low
                    }
                }
                scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
            default: scalars.append(Unicode.Scalar(escaped))
            }
            runStart = index
        }
        flush(upTo: text.endIndex)
        return String(scalars)
    }
}
