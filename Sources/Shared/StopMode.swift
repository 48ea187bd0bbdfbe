//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// How droverd stops: `stop graceful|fast`, the `stopping` event's `mode`.
public enum StopMode: OpenEnum {
    /// Drain: in-flight requests finish within the graceful timeout.
    case graceful
    /// Stop now: the quick-stop signal and a short deadline (`fast` on the wire).
    case quick
    /// A mode this version does not know (droverd treats it as graceful).
    case unknown(String)

    public static let known: [StopMode] = [.graceful, .quick]

    public var rawValue: String {
        switch self {
        case .graceful: "graceful"
        case .quick: "fast"
        case .unknown(let mode): mode
        }
    }
}
