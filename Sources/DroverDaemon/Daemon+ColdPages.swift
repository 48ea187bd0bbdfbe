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
    /// live templates' import-time file pages (see ``ColdPages``): each template pages out its own
    /// when asked on its socket (on the loop, a few milliseconds), droverd its own off the loop.
    func pageOutColdCode(after notice: Notice) {
        switch notice {
        case .started, .rolloutFinished: break
        default: return
        }
        guard configuration.pageOutCode else { return }
        // The PSS figures only feed the debug line: each read walks a process's page tables.
        let measure = logger.logLevel <= .debug
        let pids = [getpid()] + templateProcesses.values.map(\.pid)
        let before = measure ? ColdPages.proportionalSet(of: pids) : 0
        var problems: [String] = []
        for template in templateProcesses.values {  // on the loop, as fork requests are: one socket
            if let problem = template.pageOut(ColdPages.candidates(pid: template.pid)) {
                problems.append("the template of \(template.key): \(problem)")
            }
        }
        scrapeQueue.async { [logger, problems] in
            var problems = problems
            if let problem = ColdPages.pageOutOwnCode() { problems.append("droverd: \(problem)") }
            guard measure || !problems.isEmpty else { return }
            let after = measure ? ColdPages.proportionalSet(of: pids) : 0
            logger.debug(
                "Paged out start-up code: PSS of droverd and \(pids.count - 1) template(s) \(before >> 10) → \(after >> 10) KiB\(problems.isEmpty ? "" : "; " + problems.joined(separator: "; "))"
            )
        }
    }
}
