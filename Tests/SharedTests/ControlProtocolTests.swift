//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Testing

@Suite("Control protocol")
struct ControlProtocolTests {
    @Test(
        "request lines parse into requests, and print back",
        arguments: [
            ("version", ControlRequest.version), ("help", .help), ("status", .status(pool: nil)),
            ("status web", .status(pool: "web")), ("scale web 4", .scale(pool: "web", .to(4))),
            ("scale web +1", .scale(pool: "web", .by(1))), ("scale web -2", .scale(pool: "web", .by(-2))),
            ("scale web 0 allow-zero", .scale(pool: "web", .to(0), allowZero: true)),
            ("scale web -1 allow-zero", .scale(pool: "web", .by(-1), allowZero: true)),
            ("reload", .reload), ("restart", .restart(pool: nil)), ("restart jobs", .restart(pool: "jobs")),
            ("stop", .stop(.graceful)), ("stop graceful", .stop(.graceful)), ("stop fast", .stop(.quick)),
            ("config", .config), ("reopen-logs", .reopenLogs), ("events", .events),
        ]
    )
    func parse(line: String, request: ControlRequest) throws {
        #expect(try ControlRequest(line: line) == request)
        #expect(try ControlRequest(line: line + "\r") == request)
        #expect(try ControlRequest(line: "  " + line.replacingOccurrences(" ", "\t ") + " ") == request)
        #expect(try ControlRequest(line: request.line) == request)
        // Found by the fuzzer (fuzz/): "status a\r\r" parsed to the pool "a\r", which did not print back.
        #expect(try ControlRequest(line: line + "\r\r") == request)
        #expect(try ControlRequest(line: line.replacingOccurrences(" ", "\r ") + "\u{85}") == request)
    }

    @Test(
        "a pool name is a plain name: anything else is refused before it reaches droverd",
        arguments: ["status web\u{654}x", "status caf\u{e9}", "scale web\u{0} 2", "restart ../web", "status \u{1}"]
    )
    func poolNames(line: String) {
        // Found by the fuzzer (fuzz/): "status\t\u{654}…" (a name that starts with a combining mark)
        // printed as "status \u{654}…", where the mark joins the space, and did not parse back.
        let error = #expect(throws: ControlError.self) { try ControlRequest(line: line) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("is not a pool name") == true)
    }

    @Test(
        "bad lines get a stable code and a message",
        arguments: [
            ("", "empty_request"), ("   ", "empty_request"), ("bogus", "unknown_verb"), ("STATUS", "unknown_verb"),
            ("version now", "invalid_argument"), ("status a b", "invalid_argument"), ("scale web", "invalid_argument"),
            ("scale web x", "invalid_argument"), ("scale web +", "invalid_argument"),
            ("scale web 0 please", "invalid_argument"), ("scale web 0 allow-zero x", "invalid_argument"),
            ("scale web allow-zero", "invalid_argument"),
            ("scale web 1.5", "invalid_argument"),
            ("scale web 99999999999", "invalid_argument"), ("stop later", "invalid_argument"),
            ("reload now", "invalid_argument"),
            (String(repeating: "x", count: 1000), "unknown_verb"),
        ]
    )
    func errors(line: String, code: String) {
        #expect {
            try ControlRequest(line: line)
        } throws: { error in
            guard let error = error as? ControlError else { return false }
            return error.code.rawValue == code && error.code.isKnown && !error.message.contains("\n")
                && error.message.count < 200
        }
    }

    @Test("replies are one JSON line each")
    func replies() throws {
        #expect(ControlReply.success(JSONValue.object([("a", .int(1))])).line == #"{"ok":true,"result":{"a":1}}"#)
        #expect(
            ControlError(.noSuchPool, "no pool named 'x'").replyLine
                == #"{"ok":false,"error":{"code":"no_such_pool","message":"no pool named 'x'"}}"#
        )
        #expect(ErrorCode.known.count == 13)
    }

    @Test("JSON parses what droverd writes, and round-trips")
    func json() throws {
        let text =
            #"{"ok":true,"result":{"pools":[{"name":"web","ready":2,"age_s":1.5,"pid":null,"tail":["a\"b","\u00e9\n"],"x":false}]}}"#
        let value = try JSONValue(parsing: text)
        #expect(value["ok"]?.boolValue == true)
        let pool = value["result"]?["pools"]?.arrayValue?.first
        #expect(pool?["name"]?.stringValue == "web")
        #expect(pool?["ready"]?.intValue == 2)
        #expect(pool?["age_s"]?.doubleValue == 1.5)
        #expect(pool?["pid"] == .null)
        #expect(pool?["tail"]?.arrayValue?.map(\.stringValue) == ["a\"b", "é\n"])
        #expect(try JSONValue(parsing: value.compact) == value)
        #expect(JSONValue.string("é").pythonStyle == #""\u00e9""#)
        #expect(
            JSONValue.object([("a", .double(1)), ("b", .array([.int(2), .null]))]).pythonStyle
                == #"{"a": 1.0, "b": [2, null]}"#
        )
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "tru", "\"unterminated", "1 2", String(repeating: "[", count: 100)] {
            #expect(throws: JSONValue.ParseError.self) { try JSONValue(parsing: bad) }
        }
    }

    @Test("the default control socket path")
    func socketPath() {
        #expect(
            ControlSocketPath.defaultPath(
                name: "shop",
                environment: ["RUNTIME_DIRECTORY": "/run/shop:/run/x"],
                uid: 1000
            ) == "/run/shop/shop.sock"
        )
        #expect(ControlSocketPath.defaultPath(name: "drover", environment: [:], uid: 0) == "/run/drover/drover.sock")
        #expect(
            ControlSocketPath.defaultPath(name: "d", environment: ["XDG_RUNTIME_DIR": "/run/user/1000"], uid: 1000)
                == "/run/user/1000/drover/d.sock"
        )
        #expect(ControlSocketPath.defaultPath(name: "d", environment: [:], uid: 1000) == "/tmp/drover-1000/d.sock")
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: Character, _ replacement: String) -> String {
        map { $0 == target ? replacement : String($0) }.joined()
    }
}

@Suite("Reload filter")
struct ReloadFilterTests {
    @Test("*.py counts, except under excluded directories; patterns are shell globs")
    func defaults() {
        let filter = ReloadFilter()
        #expect(filter.counts("main.py"))
        #expect(filter.counts("app/api/routes.py"))
        #expect(!filter.counts("main.pyc"))
        #expect(!filter.counts("README.md"))
        #expect(!filter.counts(".venv/lib/python3.11/site.py"))
        #expect(!filter.counts("app/__pycache__/main.cpython-311.py"))
        #expect(!filter.counts(".git/hooks/x.py"))
        #expect(!filter.counts(".main.py.swp"))
        #expect(filter.skipsDirectory("node_modules"))
        #expect(!filter.skipsDirectory("app"))
    }

    @Test("includes and excludes can be changed")
    func custom() {
        let filter = ReloadFilter(
            include: ["*.py", "*.html", "templates/*"],
            exclude: ReloadFilter.defaultExclude + ["migrations"]
        )
        #expect(filter.counts("templates/index.html"))
        #expect(filter.counts("templates/page.jinja"))
        #expect(!filter.counts("migrations/0001.py"))
    }
}
