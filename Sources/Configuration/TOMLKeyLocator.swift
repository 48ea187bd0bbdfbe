//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// Finds the line of each key and table in a TOML text, so errors can name it.
/// (TOMLKit keeps no positions.) It reads `[a.b]` headers and `key = …` / `a.b = …` lines;
/// what it cannot place it leaves without a line.
struct TOMLKeyLocator {
    private var lines: [[String]: Int] = [:]
    private var tables: [[String]: Int] = [:]

    init(_ text: String) {
        var table: [String] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = raw.drop { $0 == " " || $0 == "\t" }
            if line.hasPrefix("[") {
                let inner = line.drop { $0 == "[" }.prefix { $0 != "]" }
                table = Self.dottedKey(inner)
                if tables[table] == nil { tables[table] = number }
                continue
            }
            guard let first = line.first, first != "#", let equals = Self.keyEnd(line) else { continue }
            let key = table + Self.dottedKey(line[..<equals])
            if lines[key] == nil { lines[key] = number }
            for length in stride(from: key.count - 1, to: table.count, by: -1)
            where tables[Array(key.prefix(length))] == nil {
                tables[Array(key.prefix(length))] = number
            }
        }
    }

    /// The line of `key` (a path such as `["pools", "web", "workers"]`).
    func line(of key: [String]) -> Int? {
        lines[key] ?? tables[key]
    }

    /// Where `=` ends the key part of a line, outside quotes.
    private static func keyEnd(_ line: Substring) -> Substring.Index? {
        var quote: Character?
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "=" {
                return index
            }
            index = line.index(after: index)
        }
        return nil
    }

    /// `a."b.c". d` → ["a", "b.c", "d"].
    private static func dottedKey(_ text: Substring) -> [String] {
        var parts: [String] = []
        var current = ""
        var quote: Character?
        for character in text {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "." {
                parts.append(current.trimmingSpaces())
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current.trimmingSpaces())
        return parts
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
