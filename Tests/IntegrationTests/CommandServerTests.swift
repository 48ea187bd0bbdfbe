//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension Integration {
    /// Other servers as `command` workers, on the sockets droverd binds.
    @Suite("Other servers as command workers")
    struct CommandServerTests {
        @Test(
            "a graceful stop does not break the accept loop of Hypercorn or uvicorn --fd: no error in the log",
            arguments: [
                ["hypercorn", "--bind", "fd://{fd}", "main:app"],
                ["uvicorn", "--fd", "{fd}", "main:app"],
            ]
        )
        func gracefulStop(_ command: [String]) throws {
            let directory = try AppDirectory("command-server")
            try directory.namedApp("main.py", name: "other")
            let drover = try DroverProcess(
                ["-k", "command", "-w", "2", "-b", "127.0.0.1:0", "--"] + command,
                in: directory.url
            )
            let port = try drover.port()
            try waitFor("\(command[0]) serving") { (try? httpGet(port: port, timeout: 1))?.body }
            #expect(try httpGet(port: port).body == "other web -")
            #expect(try drover.stop() == 0)
            #expect(!drover.log.contains("Traceback"), "\(drover.log)")
            #expect(!drover.log.contains("Errno 22"))
        }
    }
}
