//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The final line of an answer: `{"ok":true,"result":…}` or `{"ok":false,"error":{"code":…,"message":…}}`.
public enum ControlReply<Value: Codable & Sendable>: Codable, Sendable {
    case success(Value)
    case failure(ControlError)

    enum CodingKeys: String, CodingKey {
        case ok, result, error
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if try container.decode(Bool.self, forKey: .ok) {
            self = .success(try container.decode(Value.self, forKey: .result))
        } else {
            self = .failure(try container.decode(ControlError.self, forKey: .error))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .success(let value):
            try container.encode(true, forKey: .ok)
            try container.encode(value, forKey: .result)
        case .failure(let error):
            try container.encode(false, forKey: .ok)
            try container.encode(error, forKey: .error)
        }
    }

    /// Whether a decoded line is a final reply (it has `ok`) rather than a progress event.
    static func isReply(_ decoder: any Decoder) throws -> Bool {
        try decoder.container(keyedBy: CodingKeys.self).contains(.ok)
    }
}

extension ControlReply: Equatable where Value: Equatable {}
extension ControlReply: Hashable where Value: Hashable {}

extension ControlReply {
    /// The reply as one protocol line (without its newline).
    public var line: String { JSONValueEncoder().line(self) }
}

extension ControlError {
    /// `{"ok":false,"error":{…}}` for this error, as one protocol line (without its newline).
    public var replyLine: String { ControlReply<JSONValue>.failure(self).line }
}
