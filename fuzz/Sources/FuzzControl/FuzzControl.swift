//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// libFuzzer's entry point: one input, any bytes.
///
/// Each input is read as a control line (the bytes droverd's control server hands the parser,
/// invalid UTF-8 replaced as it is there), as JSON, and as every reply and event line droverctl
/// decodes. Nothing may crash (a line that does not fit only throws); a line that parses must print
/// back to a line that parses to the same request; an error must be one line with a known code; a
/// reply or event that decodes must encode to a line that, decoded and encoded again, is the same.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzControlLine(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let text = String(decoding: bytes, as: UTF8.self)
    do {
        let request = try ControlRequest(line: text)
        guard (try? ControlRequest(line: request.line)) == request else {
            fatalError(
                "\(text.debugDescription) parsed to \(request), which prints as \(request.line.debugDescription) and does not parse back"
            )
        }
    } catch {
        let reply = error.replyLine
        guard !reply.contains("\n"), error.code.isKnown else {
            fatalError("\(text.debugDescription): error reply \(reply.debugDescription)")
        }
    }
    if let value = try? JSONValue(parsing: text) {
        let printed = value.compact
        guard (try? JSONValue(parsing: printed)) == value else {
            fatalError(
                "\(text.debugDescription) parsed to JSON that prints as \(printed.debugDescription) and does not parse back"
            )
        }
    }
    decodeReplies(text)
    return 0
}

/// What droverctl decodes: each final reply type, and the events (progress lines and `events`).
private func decodeReplies(_ text: String) {
    guard let value = try? JSONValue(parsing: text) else { return }
    check(ReplyLine<VersionInfo>.self, text, value)
    check(ReplyLine<VerbList>.self, text, value)
    check(ReplyLine<StatusSnapshot>.self, text, value)
    check(ReplyLine<ScaleResult>.self, text, value)
    check(ReplyLine<RolloutResult>.self, text, value)
    check(ReplyLine<StopResult>.self, text, value)
    check(ReplyLine<ReopenResult>.self, text, value)
    check(ReplyLine<ConfigReport>.self, text, value)
    check(ReplyLine<JSONValue>.self, text, value)
    check(ControlReply<StatusSnapshot>.self, text, value)
    check(StatusSnapshot.self, text, value)
    if let event = check(ControlEvent.self, text, value) {
        _ = (event.subject, event.details, event.kind.name)
    }
}

/// Decodes `text` as `type` straight from the text, as droverctl does: it must decode exactly when
/// its parsed `value` does; what decodes must re-encode stably (encode, decode, encode: the same line).
@discardableResult
private func check<T: Codable>(_ type: T.Type, _ text: String, _ value: JSONValue) -> T? {
    let decoded = try? JSONValueDecoder().decode(type, line: text)
    guard (decoded == nil) == ((try? JSONValueDecoder().decode(type, from: value)) == nil) else {
        fatalError("\(T.self): \(text.debugDescription) decodes from its text and from its JSON differently")
    }
    guard let decoded else { return nil }
    let once = JSONValueEncoder().line(decoded)
    // Durations are written to the millisecond, so the first encoding may round; after it, nothing changes.
    if let again = try? JSONValueDecoder().decode(type, line: once), JSONValueEncoder().line(again) != once {
        fatalError("\(T.self): \(value.compact.debugDescription) re-encodes unstably: \(once.debugDescription)")
    }
    return decoded
}
