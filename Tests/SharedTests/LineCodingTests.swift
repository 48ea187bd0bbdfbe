//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Testing

/// A type that writes into a nested container after going back to its parent: a line cannot be
/// written in one pass, so the encoder takes the tree's way (the same text).
private struct Interleaved: Encodable {
    enum Key: String, CodingKey { case inner, after, value }

    func encode(to encoder: any Encoder) throws {
        var outer = encoder.container(keyedBy: Key.self)
        var inner = outer.nestedContainer(keyedBy: Key.self, forKey: .inner)
        try outer.encode(1, forKey: .after)
        try inner.encode(2, forKey: .value)
    }
}

/// A type that writes a key twice: the tree keeps the last value, in the last place.
private struct Repeated: Encodable {
    enum Key: String, CodingKey { case a, b }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(1, forKey: .a)
        try container.encode(2, forKey: .b)
        try container.encode(3, forKey: .a)
    }
}

/// Nested and single-value containers, optionals, integers of every width and a value that writes nothing.
private struct Mixed: Codable, Equatable {
    struct Empty: Codable, Equatable {}
    var small: Int8 = -3
    var wide: UInt64 = 1 << 40
    var float: Float = 0.5
    var maybe: Int16? = nil
    var names: [String?] = ["a", nil]
    var nested: [[Int]] = [[1], [], [2, 3]]
    var empty = Empty()
    var text = "tab\there \"quoted\" \\ é \u{1}"
}

/// Worker `index` of a big pool: every field, and every kind of value, in turn.
private func worker(_ index: Int) -> WorkerStatus {
    let backoff = index % 7 == 0
    return WorkerStatus(
        pid: backoff ? nil : Int32(1000 + index),
        slot: index,
        generation: 1,
        state: backoff ? .backoff : .ready,
        ageSeconds: Double(index) / 8,
        restarts: index % 3,
        lastExit: index % 5 == 0 ? "exit \(index)" : nil,
        rssBytes: index % 2 == 0 ? UInt64(index) << 20 : nil,
        stderrTail: backoff ? ["Traceback", "ValueError: \"\(index)\""] : [],
        retryInSeconds: backoff ? 0.25 : nil,
        statusText: index % 4 == 0 ? "serving é" : nil
    )
}

private let pool = PoolStatus(
    name: "web",
    state: .running,
    desired: 500,
    running: 500,
    ready: 500,
    generation: 1,
    rollingOutTo: nil,
    workers: (0..<500).map(worker)
)

@Suite("Protocol lines written and read straight from text")
struct LineCodingTests {
    @Test("a line is the text of the encoded tree, for every shape a type can write")
    func sameAsTree() throws {
        let encoder = JSONValueEncoder()
        #expect(encoder.line(Mixed()) == (try encoder.encode(Mixed())).compact)
        #expect(encoder.line(Interleaved()) == #"{"inner":{"value":2},"after":1}"#)
        #expect(encoder.line(Repeated()) == #"{"b":2,"a":3}"#)
        let status = StatusSnapshot(pools: [pool])
        #expect(encoder.line(status) == (try encoder.encode(status)).compact)
        #expect(encoder.line(UInt64.max) == "null")  // beyond a JSON integer, as before
    }

    @Test("a line reads back as it was written, and as the tree decoder reads it")
    func roundTrip() throws {
        let decoder = JSONValueDecoder()
        let status = StatusSnapshot(pools: [pool])
        let line = JSONValueEncoder().line(status)
        #expect(try decoder.decode(StatusSnapshot.self, line: line) == status)
        #expect(
            try decoder.decode(StatusSnapshot.self, line: line)
                == decoder.decode(StatusSnapshot.self, from: JSONValue(parsing: line))
        )
        #expect(try decoder.decode(Mixed.self, line: JSONValueEncoder().line(Mixed())) == Mixed())
        let reply = try decoder.decode(ReplyLine<StatusSnapshot>.self, line: ControlReply.success(status).line)
        #expect(reply == ReplyLine<StatusSnapshot>.reply(.success(status)))
    }

    @Test(
        "what the tree decoder refuses, the text decoder refuses",
        arguments: [
            #"{"pools":[{"name":"web"}]}"#, #"{"pools":{}}"#, #"{"pools":[{"name":1}]}"#, #"[]"#, #"{"pools":[1]}"#,
        ]
    )
    func refusals(line: String) throws {
        #expect(throws: DecodingError.self) { try JSONValueDecoder().decode(StatusSnapshot.self, line: line) }
        #expect(throws: DecodingError.self) {
            try JSONValueDecoder().decode(StatusSnapshot.self, from: JSONValue(parsing: line))
        }
    }

    @Test("numbers and strings read as the tree's parser reads them")
    func scalars() throws {
        let line =
            #"{"a":-12,"b":2.0,"c":1e2,"d":"\u00e9\ud83d\ude00\n","e":99999999999999999999,"f":"\ud800x","g":"\ud800\u0041"}"#
        let value = try JSONValue(parsing: line)
        #expect(value["a"] == .int(-12))
        #expect(value["b"] == .double(2))
        #expect(value["e"]?.doubleValue == 1e20)
        #expect(value["d"]?.stringValue == "é😀\n")
        #expect(value["f"]?.stringValue == "\u{FFFD}x")
        #expect(value["g"]?.stringValue == "\u{FFFD}A")  // a high surrogate before a non-surrogate escape
        struct Numbers: Decodable { let a: Int32, b: Int, c: Double, d: String }
        let numbers = try JSONValueDecoder().decode(Numbers.self, line: line)
        #expect(numbers.a == -12 && numbers.b == 2 && numbers.c == 100 && numbers.d == "é😀\n")
        #expect(throws: DecodingError.self) { try JSONValueDecoder().decode([Int8].self, line: "[128]") }
    }
}
