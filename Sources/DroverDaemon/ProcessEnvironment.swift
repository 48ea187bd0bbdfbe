//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDroverShim

/// droverd's environment, read once at start-up.
enum ProcessEnvironment {
    /// Every `NAME=value` pair, in order.
    static func current() -> [(String, String)] {
        var pairs: [(String, String)] = []
        guard var entry = cdrover_environ() else { return pairs }
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                pairs.append((String(text[..<equals]), String(text[text.index(after: equals)...])))
            }
            entry += 1
        }
        return pairs
    }
}
