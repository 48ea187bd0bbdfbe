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
    }
}
