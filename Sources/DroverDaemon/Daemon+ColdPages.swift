//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Dispatch
import DroverCore
import DroverShared
import Glibc
import Logging

// MARK: - Paging out what starting ran, once the pools are up (page_out_code)

extension Daemon {
    /// After droverd started and after each rollout: page out droverd's start-up code and the
    /// live templates' import-time file pages (see ``ColdPages``), off the event loop.
    func pageOutColdCode(after notice: Notice) {
        switch notice {
        case .started, .rolloutFinished: break
        default: return
        }
        guard configuration.pageOutCode else { return }
        let templates = templateProcesses.values.map(\.pid)
        scrapeQueue.async { [logger] in
            let before = ([getpid()] + templates).compactMap { SmapsRollup.read(pid: $0)?.proportional }.reduce(0, +)
            var problems: [String] = []
            if let problem = ColdPages.pageOutOwnCode() { problems.append("droverd: \(problem)") }
            for pid in templates {
                if let problem = ColdPages.pageOut(pid: pid) { problems.append("template \(pid): \(problem)") }
            }
            let after = ([getpid()] + templates).compactMap { SmapsRollup.read(pid: $0)?.proportional }.reduce(0, +)
            logger.debug(
                "Paged out start-up code: PSS of droverd and \(templates.count) template(s) \(before >> 10) → \(after >> 10) KiB\(problems.isEmpty ? "" : "; " + problems.joined(separator: "; "))"
            )
        }
    }
}
