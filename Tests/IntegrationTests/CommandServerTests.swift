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
            "Hypercorn, uvicorn --fd, Daphne and Node become ready by serving, and a graceful stop leaves no error in the log",
            arguments: [
                (["hypercorn", "--bind", "fd://{fd}", "main:app"], "other web -"),
                (["uvicorn", "--fd", "{fd}", "main:app"], "other web -"),
                (["daphne", "--fd", "{fd}", "main:app"], "other web -"),
                (["node", "node_server.js"], "node"),
            ]
        )
        func gracefulStop(_ command: [String], _ answer: String) throws {
            let directory = try AppDirectory("command-server")
            try directory.namedApp("main.py", name: "other")
            try directory.copyFixtures(["node_server.js"])
            let drover = try DroverProcess(
                ["-k", "command", "-w", "2", "-b", "127.0.0.1:0", "--"] + command,
                in: directory.url
            )
            // Ready means accepting on the socket (droverd sees it in /proc); then it answers.
            try waitFor("\(command[0]) ready\n\(drover.log)", timeout: 30) {
                if !drover.process.isRunning { throw Timeout(description: "droverd exited\n\(drover.log)") }
                return try drover.ctl("status", "--ready").status == 0 ? true : nil
            }
            #expect(try httpGet(port: try drover.port()).body == answer)
            #expect(try drover.stop() == 0)
            #expect(!drover.log.contains("Traceback"), "\(drover.log)")
            #expect(!drover.log.contains("Errno 22"))
        }
    }
}
