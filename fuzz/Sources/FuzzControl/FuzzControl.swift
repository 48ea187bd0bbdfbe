//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// libFuzzer's entry point: one input, any bytes.
///
/// Each input is read as a control line (the bytes droverd's control server hands the parser,
/// invalid UTF-8 replaced as it is there) and as the JSON droverctl parses from a reply. Nothing
/// may crash; a line that parses must print back to a line that parses to the same request; an
/// error must be one line with a known code.
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
        let reply = ControlReply.failure(error)
        guard !reply.dropLast().contains("\n"), ControlError.Code(rawValue: error.code) != nil else {
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
    return 0
}
