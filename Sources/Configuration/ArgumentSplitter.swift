//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// Splits a string of arguments the way a POSIX shell (and Python's `shlex.split`) does:
/// whitespace separates, single quotes keep everything, double quotes keep all but `\"` and `\\`,
/// a backslash outside quotes escapes the next character.
enum ArgumentSplitter {
    static func split(_ text: String, variable: String) throws(ConfigurationError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var iterator = text.makeIterator()
        while let character = iterator.next() {
            switch character {
            case " ", "\t", "\n", "\r":
                if inWord {
                    words.append(current)
                    current = ""
                    inWord = false
                }
            case "'":
                inWord = true
                var closed = false
                while let next = iterator.next() {
                    if next == "'" {
                        closed = true
                        break
                    }
                    current.append(next)
                }
                guard closed else { throw ConfigurationError("\(variable): unterminated single quote") }
            case "\"":
                inWord = true
                var closed = false
                while let next = iterator.next() {
                    if next == "\"" {
                        closed = true
                        break
                    }
                    if next == "\\" {
                        guard let escaped = iterator.next() else { break }
                        if escaped != "\"" && escaped != "\\" && escaped != "$" && escaped != "`" {
                            current.append("\\")
                        }
                        current.append(escaped)
                    } else {
                        current.append(next)
                    }
                }
                guard closed else { throw ConfigurationError("\(variable): unterminated double quote") }
            case "\\":
                inWord = true
                guard let escaped = iterator.next() else {
                    throw ConfigurationError("\(variable): a backslash ends the value")
                }
                current.append(escaped)
            default:
                inWord = true
                current.append(character)
            }
        }
        if inWord { words.append(current) }
        return words
    }
}
