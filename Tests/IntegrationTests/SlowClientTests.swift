//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension Integration.ControlTests {
    @Test(
        "stop fast with 500 workers: a client that reads nothing until droverd is done still gets every event (or their count) and the answer"
    )
    func slowStopReader() throws {
        let workers = 500
        // sleep never accepts: ready when spawned (--no-wait-ready).
        let drover = try DroverProcess([
            "-k", "command", "--no-wait-ready", "-w", "\(workers)", "--", "/bin/sleep", "1000",
        ])
        try drover.waitForLog("All pools ready", timeout: 60)
        let client = try HTTPConnection(unixPath: drover.controlSocket)
        try client.send("stop fast\n")
        // Every worker is gone and droverd wants to leave; the client has read nothing yet.
        try drover.waitForLog("[INFO] Stopped", timeout: 30)
        var events = 0
        var answer: ControlReply<StopResult>?
        while answer == nil, let line = try? client.readLine() {
            switch try JSONValueDecoder().decode(ReplyLine<StopResult>.self, line: line) {
            case .progress(let event):
                if case .eventsDropped(let count) = event.kind { events += count } else { events += 1 }
            case .reply(let reply):
                answer = reply
            }
            usleep(100)  // a slow reader
        }
        #expect(answer == .success(StopResult()))
        // stopping, then each worker's worker_stopping and worker_exited.
        #expect(events >= 1 + 2 * workers)
        #expect(try drover.waitForExit() == 0)
    }
}
