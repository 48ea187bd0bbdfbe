//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A new pool size in `scale`: `N`, `+N` or `-N`.
public enum ScaleAmount: Hashable, Sendable, CustomStringConvertible {
    /// Exactly this many workers.
    case to(Int)
    /// This many more (or fewer, when negative).
    case by(Int)

    /// Parses `N`, `+N` or `-N` (at most 9 digits); nil for anything else.
    public init?(_ text: String) {
        let digits = text.first == "+" || text.first == "-" ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let value = Int(digits)
        else { return nil }
        switch text.first {
        case "+": self = .by(value)
        case "-": self = .by(-value)
        default: self = .to(value)
        }
    }

    public var description: String {
        switch self {
        case .to(let count): String(count)
        case .by(let delta): delta >= 0 ? "+\(delta)" : String(delta)
        }
    }
}
