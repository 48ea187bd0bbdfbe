//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A configuration problem, as one line that names the culprit.
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The one-line message, e.g. `--workers: 'abc' is not a whole number`.
    public var message: String

    /// Wraps a message.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
