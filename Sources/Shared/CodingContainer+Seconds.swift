//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension KeyedEncodingContainer {
    /// Seconds to the millisecond, as the protocol writes every duration; nil is `null`.
    mutating func encode(seconds: Double?, forKey key: Key) throws {
        try encode(seconds.map(Self.milliseconds), forKey: key)
    }

    static func milliseconds(_ seconds: Double) -> Double {
        (seconds * 1000).rounded() / 1000
    }
}

extension KeyedDecodingContainer {
    /// A duration written in seconds, to the millisecond.
    func decodeDuration(forKey key: Key) throws -> Duration {
        let seconds = try decode(Double.self, forKey: key)
        guard seconds.isFinite, abs(seconds) < 1e12 else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "not a duration")
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
