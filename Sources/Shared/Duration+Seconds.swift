//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension Duration {
    /// Whole nanoseconds, clamped at zero.
    public var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0, attoseconds >= 0 || seconds > 0 else { return 0 }
        let total = Double(seconds) * 1e9 + Double(attoseconds) / 1e9
        return total >= Double(UInt64.max) ? UInt64.max : UInt64(max(0, total))
    }

    /// The duration in seconds, as a floating-point number.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

extension Duration {
    /// The duration in seconds to a tenth, for people: `3s`, `2.4s`.
    public var shortText: String { Self.shortText(seconds: seconds) }

    /// `seconds` to a tenth, for people: `3s`, `2.4s`.
    public static func shortText(seconds: Double) -> String {
        let tenths = (max(seconds, 0) * 10).rounded()
        return tenths.truncatingRemainder(dividingBy: 10) == 0 ? "\(Int(tenths / 10))s" : "\(tenths / 10)s"
    }
}
