//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import Foundation
import Testing

/// The launcher's stamp interval is stated once, `SupervisorPolicy.heartbeatInterval`; the
/// launcher and the documents that give it keep copies, checked here.
@Suite("The heartbeat cadence is one value")
struct HeartbeatCadenceTests {
    let policy = SupervisorPolicy()

    /// The interval in seconds as the documents write it (`0.1`).
    var seconds: String {
        let milliseconds = policy.heartbeatInterval.components.attoseconds / 1_000_000_000_000_000
        return String(Double(policy.heartbeatInterval.components.seconds) + Double(milliseconds) / 1000)
    }

    @Test("the slack allows several stamp intervals")
    func slack() {
        #expect(policy.heartbeatSlack >= policy.heartbeatInterval * 3)
    }

    @Test("the launcher stamps at the policy's interval")
    func launcher() throws {
        let source = try repositoryFile("python/drover_worker/heartbeat.py")
        let assignments = source.split(separator: "\n").filter { $0.hasPrefix("HEARTBEAT_INTERVAL = ") }
        #expect(assignments == ["HEARTBEAT_INTERVAL = \(seconds)"])
    }

    @Test("docs/DESIGN.md and python/README.md state the same interval")
    func documents() throws {
        #expect(try repositoryFile("docs/DESIGN.md").contains("event loop every \(seconds) s."))
        #expect(try repositoryFile("python/README.md").contains("Every \(seconds) s, from a task on the event loop"))
    }
}

private func repositoryFile(_ path: String) throws -> String {
    var components = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    components.removeLast(3)
    return try String(contentsOfFile: components.joined(separator: "/") + "/" + path, encoding: .utf8)
}
