//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// One line droverd sends while answering a request: a progress event (no `ok`), or the final reply.
public enum ReplyLine<Value: Codable & Sendable>: Codable, Sendable {
    case progress(ControlEvent)
    case reply(ControlReply<Value>)

    public init(from decoder: any Decoder) throws {
        self =
            try ControlReply<Value>.isReply(decoder)
            ? .reply(try ControlReply(from: decoder)) : .progress(try ControlEvent(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .progress(let event): try event.encode(to: encoder)
        case .reply(let reply): try reply.encode(to: encoder)
        }
    }

    /// Whether a line is a final reply (it has `ok`), even one this version cannot read.
    public static func isReply(_ line: JSONValue) -> Bool {
        line[ControlReply<Value>.CodingKeys.ok.stringValue] != nil
    }
}

extension ReplyLine: Equatable where Value: Equatable {}
