//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing

extension Integration {
    @Suite("Long log lines")
    struct LongLineTests {
        @Test("a worker's 1 MB log line reaches droverd's error log whole, as one line")
        func megabyteLine() throws {
            let directory = try AppDirectory("long-line")
            try directory.write(
                "main.py",
                """
                import json
                import sys


                async def app(scope, receive, send):
                    if scope["type"] != "http":
                        return
                    record = {"event": "big", "payload": "x" * 1_000_000}
                    sys.stderr.write(json.dumps(record) + "\\n")
                    sys.stderr.flush()
                    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
                    await send({"type": "http.response.body", "body": b"ok"})

                """
            )
            let drover = try DroverProcess(["-w", "1", "-b", "127.0.0.1:0", "main:app"], in: directory.url)
            try drover.waitForReady(1)
            #expect(try httpGet(port: try drover.port()).body == "ok")
            let line = try waitFor("the big line") {
                drover.log.split(separator: "\n").first { $0.hasPrefix(#"{"event": "big""#) && $0.hasSuffix("}") }
            }
            let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
            #expect(record?["payload"]?.count == 1_000_000)
            #expect(try drover.stop() == 0)
        }

        @Test("with --log-format json every line a worker writes is one JSON object: prints, plain stderr, tracebacks")
        func jsonEverywhere() throws {
            let directory = try AppDirectory("json-lines")
            try directory.write(
                "main.py",
                """
                import sys

                print("imported", flush=True)


                async def app(scope, receive, send):
                    if scope["type"] != "http":
                        return
                    print("hello from print", flush=True)
                    sys.stderr.write("plain stderr line\\n")
                    sys.stderr.flush()
                    if scope["path"] == "/boom":
                        raise RuntimeError("boom")
                    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
                    await send({"type": "http.response.body", "body": b"ok"})

                """
            )
            let drover = try DroverProcess(
                ["-w", "1", "-b", "127.0.0.1:0", "--log-format", "json", "main:app"],
                in: directory.url
            )
            try drover.waitForLog("ready in")
            let port = try drover.port()
            #expect(try httpGet(port: port).body == "ok")
            _ = try httpGet(port: port, "/boom")
            try waitFor("the traceback's last line") { drover.log.contains("RuntimeError: boom") ? true : nil }
            try waitFor("the print") { drover.output.contains("hello from print") ? true : nil }
            #expect(try drover.stop() == 0)
            func objects(_ text: String) -> [[String: Any]] {
                text.split(separator: "\n").map { line in
                    let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                    #expect(object != nil, "not a JSON object: \(line)")
                    return object ?? [:]
                }
            }
            let errors = objects(drover.log)
            let plain = errors.first { $0["message"] as? String == "plain stderr line" }
            #expect(plain?["pool"] as? String == "web")
            #expect(plain?["slot"] as? Int == 0)
            #expect(plain?["stream"] as? String == "stderr")
            // droverd's stdout: the prestart step's messages (the seed's, as written), then JSON only.
            let output = drover.output.components(separatedBy: "There is no script prestart.sh\n").last ?? ""
            let printed = objects(output).first { $0["message"] as? String == "hello from print" }
            #expect(printed?["stream"] as? String == "stdout")
            #expect(printed?["pool"] as? String == "web")
        }
    }
}
